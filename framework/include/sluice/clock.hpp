// Clock: the only source of time in sluice. Rate limits, backoff, breakers,
// delays and drain deadlines all read it, so tests swap in a ManualClock and
// run time-dependent behaviour deterministically.
//
//   sluice::ManualClock clock;
//   clock.advance(sluice::from_millis(250));
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

namespace sluice {
inline namespace v1 {

/// Monotonic nanoseconds since an arbitrary epoch.
using Nanos = std::int64_t;

constexpr Nanos kNanosPerSecond = 1'000'000'000;
constexpr Nanos from_millis(std::int64_t ms) { return ms * 1'000'000; }
constexpr Nanos from_micros(std::int64_t us) { return us * 1'000; }
constexpr double to_seconds(Nanos ns) { return static_cast<double>(ns) / 1e9; }

/// `at` + `d` for a time and a duration, held at the largest Nanos instead of
/// wrapping to the past: a deadline beyond the end of time is never, not now.
constexpr Nanos saturating_add(Nanos at, Nanos d) noexcept {
  constexpr Nanos kMax = std::numeric_limits<Nanos>::max();
  constexpr Nanos kMin = std::numeric_limits<Nanos>::min();
  if (d > 0 && at > kMax - d) return kMax;
  if (d < 0 && at < kMin - d) return kMin;
  return at + d;
}

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual Nanos now() const noexcept = 0;
  /// True for a clock that only moves when told to (tests).
  [[nodiscard]] virtual bool is_manual() const noexcept { return false; }
};

/// std::chrono::steady_clock: never steps backwards.
class SteadyClock final : public Clock {
 public:
  [[nodiscard]] Nanos now() const noexcept override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  /// The process-wide instance.
  static SteadyClock& instance() noexcept {
    static SteadyClock clock;
    return clock;
  }
};

/// Time that moves only by advance() / set(). Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Nanos start = 0) noexcept : now_(start) {}
  [[nodiscard]] Nanos now() const noexcept override { return now_.load(std::memory_order_acquire); }
  [[nodiscard]] bool is_manual() const noexcept override { return true; }
  void advance(Nanos d) noexcept { now_.fetch_add(d, std::memory_order_acq_rel); }
  void set(Nanos t) noexcept { now_.store(t, std::memory_order_release); }

 private:
  std::atomic<Nanos> now_;
};

}  // namespace v1
}  // namespace sluice
