// The JSON pipeline's document, filter and checksum, as bench/shapes.sh
// (json_toml, json_checksum) defines them for `sluice run`; the Go peer
// (json/go/main.go) mirrors them. Keep the three in step.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::peers::json {

inline constexpr std::array<std::string_view, 7> kLevels{"debug", "info", "info", "info",
                                                         "warn",  "warn", "error"};

inline std::uint64_t user_of(std::uint64_t seq) { return seq % 1000; }
inline std::string_view level_of(std::uint64_t seq) { return kLevels[seq % 7]; }
inline std::uint64_t amount_of(std::uint64_t seq) { return seq * 7919 % 1009; }
inline std::uint64_t region_of(std::uint64_t seq) { return seq % 4; }

inline bool keep(std::string_view level, std::int64_t amount) {
  return level == "error" || amount > 500;
}

/// "COUNTED/GROUPS/WEIGHTED": the sum of the counts, the number of groups and
/// the sum of rank * count with the groups in byte order, ranks from 1.
template <typename Map>
std::string checksum(const Map& counts) {
  std::vector<std::pair<std::string, std::uint64_t>> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end());
  std::uint64_t counted = 0, weighted = 0, rank = 0;
  for (const auto& [group, n] : sorted) {
    counted += n;
    weighted += ++rank * n;
  }
  return std::to_string(counted) + "/" + std::to_string(sorted.size()) + "/" +
         std::to_string(weighted);
}

}  // namespace sluice::peers::json
