// Trace ids: what every source gives each message so that one message can be
// followed through log lines, dead letters and sinks.
//
//   TraceIds ids;                  // seeded at random
//   m.trace_id = ids.next();       // non-zero, below 2^53
//   if (auto id = parse_trace_id(header)) m.trace_id = *id;
//
// Ids are kept below 2^53 so that a JSON reader that holds numbers as doubles
// (jq, JavaScript) reads them exactly; with 53 random bits the chance that
// any two of a million ids are alike is about 1 in 18,000.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "splitmix.hpp"

namespace sluice::builtins {

/// The largest trace id: 2^53 - 1, the largest integer a double holds exactly.
inline constexpr std::uint64_t kMaxTraceId = (std::uint64_t{1} << 53) - 1;

/// Random, non-zero trace ids below 2^53. One per source instance: not
/// thread-safe.
class TraceIds {
 public:
  /// Seeded from std::random_device and a process-wide counter, so that two
  /// instances (or two runs) draw different ids.
  TraceIds();
  explicit TraceIds(std::uint64_t seed) noexcept : rng_(seed) {}

  std::uint64_t next() noexcept {
    for (;;) {
      if (const std::uint64_t id = rng_.next() & kMaxTraceId; id != 0) return id;
    }
  }

 private:
  SplitMix64 rng_;
};

/// A trace id that is a function of `salt` and `n` (non-zero, below 2^53,
/// scattered like a random one): for a source whose messages come again (a
/// stream's redeliveries) and should keep their id each time.
[[nodiscard]] std::uint64_t derived_trace_id(std::uint64_t salt, std::uint64_t n) noexcept;

/// FNV-1a of `text`: a salt that is the same in every build and on every
/// machine (std::hash need not be).
[[nodiscard]] std::uint64_t stable_hash(std::string_view text) noexcept;

/// The trace id that `text` spells, reduced to its low 53 bits, or nullopt
/// when it spells none (or zero). Accepted, surrounding blanks ignored:
/// - a decimal number (how sluice writes trace ids: `Sluice-Trace-Id`, JSON);
/// - a W3C `traceparent` (`00-<32 hex trace-id>-<16 hex parent-id>-<2 hex
///   flags>`): its trace-id;
/// - 1 to 32 hex digits, optionally after `0x` (a bare W3C or B3 trace id).
/// Of a 128-bit id the low 64 bits count, as in B3's 64-bit form.
[[nodiscard]] std::optional<std::uint64_t> parse_trace_id(std::string_view text) noexcept;

}  // namespace sluice::builtins
