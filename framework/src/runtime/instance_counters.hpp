// The counters of one running stage instance (or of a stage fused into one).
#pragma once

#include <atomic>
#include <cstdint>

namespace sluice::detail {

/// Counters one instance writes and anyone may read: single writer, relaxed.
struct InstanceCounters {
  std::atomic<std::uint64_t> in{0}, out{0}, filtered{0}, dropped{0}, errors{0}, abandoned{0},
      dead_letter{0}, retries{0}, rejected{0}, expired{0}, restarts{0};
  std::atomic<std::int64_t> busy_ns{0}, blocked_ns{0};

  /// What a sink said it did not write (count_filtered / count_dropped):
  /// the rest of what it was handed counts as out.
  [[nodiscard]] std::uint64_t skipped() const noexcept {
    return filtered.load(std::memory_order_relaxed) + dropped.load(std::memory_order_relaxed);
  }
};

inline void bump(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
inline void bump(std::atomic<std::int64_t>& c, std::int64_t n) noexcept {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace sluice::detail
