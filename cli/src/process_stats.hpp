// What the process uses, read from /proc/self: CPU time, resident memory and
// threads, for the metrics' process_* families.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::cli {

struct ProcessStats {
  double cpu_seconds{0};            ///< user + system
  std::uint64_t resident_bytes{0};  ///< RSS
  std::uint64_t virtual_bytes{0};   ///< VSZ
  std::uint64_t threads{0};
  double start_time_seconds{0};  ///< since the Unix epoch
};

/// This process's figures; nullopt when /proc cannot be read.
[[nodiscard]] std::optional<ProcessStats> read_process_stats();

/// The figures of a /proc/PID/stat line; `ticks_per_second` and `page_size`
/// from sysconf, `boot_time` (seconds since the epoch) from /proc/stat.
[[nodiscard]] std::optional<ProcessStats> parse_proc_stat(std::string_view stat,
                                                          long ticks_per_second, long page_size,
                                                          double boot_time);

}  // namespace sluice::cli
