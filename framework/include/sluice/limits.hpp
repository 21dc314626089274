// Limits a stage can be held to, shareable by name across stages: a token
// bucket (rate) and a semaphore (concurrency). Both are plain thread-safe
// objects; the runtime asks them before each call of Stage::process and
// parks the stage on a timer or a wake-up instead of blocking a thread.
//
//   auto api = std::make_shared<sluice::RateLimiter>(
//       sluice::RateLimiter::Config{.rate = 100, .per = sluice::kNanosPerSecond, .burst = 20},
//       clock.now());
//   graph.add_stage("call", make, {.rate_limit = api});
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <vector>

#include "sluice/clock.hpp"

namespace sluice {
inline namespace v1 {

/// Token bucket with golang.org/x/time/rate semantics, in GCRA form on int64
/// nanoseconds: `burst` tokens, full at the start, refilled at `rate` per `per`.
class RateLimiter {
 public:
  static constexpr Nanos kForever = std::numeric_limits<Nanos>::max();

  enum class Mode { delay, drop };

  struct Config {
    double rate{1};                   ///< tokens per `per`; 0 = only the initial tokens
    Nanos per{kNanosPerSecond};       ///< > 0
    std::int64_t burst{1};            ///< >= 1
    std::int64_t initial_tokens{-1};  ///< -1 = burst (the bucket starts full)
    Nanos max_wait{kForever};         ///< delay mode: reject rather than wait longer
    Mode mode{Mode::delay};
  };

  enum class Outcome {
    granted,
    rejected_drop,
    rejected_max_wait,
    rejected_rate_zero,
    rejected_over_burst
  };

  struct Grant {
    Outcome outcome{Outcome::granted};
    Nanos at{0};  ///< when granted: the time the message may go (>= now)
    [[nodiscard]] bool granted() const noexcept { return outcome == Outcome::granted; }
  };

  RateLimiter(Config config, Nanos now);

  /// Reserves `n` tokens at `now`. A rejection leaves the state unchanged.
  Grant acquire(Nanos now, std::int64_t n = 1);
  /// The same, reading `clock` under the limiter's lock: callers sharing the
  /// limiter can never hand it a time older than one it has already seen
  /// (which it would take for the clock stepping back, and refill).
  Grant acquire(const Clock& clock, std::int64_t n = 1);
  /// The same for a message that has already waited `waited` since it
  /// arrived: that wait counts against `max_wait` too (x/time/rate reserves
  /// at arrival; a stage asks for one message's token at a time).
  Grant acquire(const Clock& clock, std::int64_t n, Nanos waited);
  /// Tokens available at `t` (negative: reserved ahead), for stats and tests.
  [[nodiscard]] double tokens_at(Nanos t) const;
  [[nodiscard]] const Config& config() const noexcept { return config_; }
  [[nodiscard]] std::uint64_t granted() const;
  [[nodiscard]] std::uint64_t rejected() const;

 private:
  void rebase_locked(Nanos now);
  Grant acquire_locked(Nanos now, std::int64_t n, Nanos waited = 0);

  const Config config_;
  const Nanos interval_;  ///< ns per token; kForever for rate 0
  mutable std::mutex mu_;
  Nanos tat_;                    ///< theoretical arrival time of the next token
  Nanos last_;                   ///< latest time seen, to undo a clock stepping back
  std::int64_t zero_rate_left_;  ///< rate 0: the initial tokens not yet taken
  std::uint64_t granted_{0};
  std::uint64_t rejected_{0};
};

/// A counting semaphore that never blocks: try_acquire() fails and records
/// who to wake, release() wakes them.
class Semaphore {
 public:
  explicit Semaphore(std::int64_t permits) : available_(permits), permits_(permits) {}

  /// Something to wake when a permit frees up (the runtime's stage instances).
  class Waiter {
   public:
    virtual void notify() noexcept = 0;

   protected:
    ~Waiter() = default;
  };

  /// Takes a permit, or records `waiter` and returns false.
  bool try_acquire(Waiter* waiter);
  void release();
  [[nodiscard]] std::int64_t permits() const noexcept { return permits_; }
  [[nodiscard]] std::int64_t available() const;

 private:
  mutable std::mutex mu_;
  std::int64_t available_;
  const std::int64_t permits_;
  std::vector<Waiter*> waiting_;
};

}  // namespace v1
}  // namespace sluice
