// The wrappers a stage's calls can run under (README: Failures): retry with backoff and
// a retry budget, and a circuit breaker that several stages may share. They
// are plain objects; the runtime asks them around each attempt of
// Stage::process and parks a message on a timer instead of sleeping.
//
//   auto geo = std::make_shared<sluice::CircuitBreaker>(
//       "geo", sluice::CircuitBreaker::Config{.window = 20, .min_calls = 10});
//   graph.add_stage("call", make, {.retry = sluice::RetryPolicy{.max_attempts = 5},
//                                  .circuit_breaker = geo});
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/clock.hpp"

namespace sluice {
inline namespace v1 {

enum class Jitter { none, full, equal, decorrelated };
enum class RetryOn { transient, any };

std::string_view to_string(Jitter j) noexcept;

struct RetryPolicy {
  std::int64_t max_attempts{3};  ///< counting the first; 1 = no retry
  Nanos initial_backoff{from_millis(100)};
  Nanos max_backoff{10 * kNanosPerSecond};  ///< hard cap on every delay, jitter included
  double multiplier{2.0};                   ///< >= 1
  Jitter jitter{Jitter::full};
  RetryOn retry_on{RetryOn::transient};
  /// Retry budget: 0 = none. Otherwise retries may be at most this share of
  /// calls, plus `budget_reserve` (see RetryBudget).
  double budget{0};
  std::int64_t budget_reserve{10};
  std::uint64_t seed{0};  ///< of the jitter draws
};

/// The delay before attempt n+1 after attempt n (>= 1) failed, for a uniform
/// draw u in [0,1). `previous` is the delay before attempt n (0 for n = 1);
/// only `decorrelated` uses it. With c = min(max, initial * multiplier^(n-1)):
///   none: c;  full: u*c;  equal: c/2 + u*c/2;
///   decorrelated: min(max, initial + u*(3*s - initial)), s = previous or initial.
/// Computed in ns, saturating: an overflow is max_backoff.
Nanos backoff_delay(const RetryPolicy& policy, std::int64_t n, double u, Nanos previous) noexcept;

/// Caps retries at a share of calls, as Finagle's RetryBudget and gRPC's retry
/// throttling do, so that a dying service is not hit by a retry storm: every
/// first attempt deposits `share` of a token, every retry withdraws one, and
/// the balance never exceeds `reserve` (where it starts). Over any stretch of
/// N calls, retries <= reserve + share * N. Thread-safe.
class RetryBudget {
 public:
  RetryBudget(double share, std::int64_t reserve);
  void on_call() noexcept;
  /// Withdraws a token for one retry, or returns false (the failure is final).
  bool try_retry() noexcept;
  [[nodiscard]] double balance() const noexcept;
  [[nodiscard]] std::uint64_t throttled() const noexcept;

 private:
  mutable std::mutex mu_;
  const std::int64_t deposit_milli_;  ///< share in thousandths of a token
  const std::int64_t cap_milli_;
  std::int64_t balance_milli_;
  std::uint64_t throttled_{0};
};

/// Supervised restarts, Erlang's intensity and period with a backoff: a
/// source that failed is reopened, a stage or sink under on_error = restart
/// is rebuilt from its factory, after a delay that doubles from
/// `initial_backoff` up to `max_backoff` with each restart inside `within`.
/// More than `max_restarts` within `within` and the run fails.
struct RestartPolicy {
  std::int64_t max_restarts{5};  ///< 0 = never restart
  Nanos within{60 * kNanosPerSecond};
  Nanos initial_backoff{from_millis(100)};
  Nanos max_backoff{10 * kNanosPerSecond};
};

/// Counts one stage's restarts (of all its instances) over the sliding
/// period `within`. Thread-safe.
class RestartIntensity {
 public:
  explicit RestartIntensity(RestartPolicy policy) : policy_(policy) {}
  /// A failure at `now` asks for a restart: the delay before it, or nothing
  /// when it would be more than max_restarts within `within`.
  [[nodiscard]] std::optional<Nanos> admit(Nanos now);
  [[nodiscard]] const RestartPolicy& policy() const noexcept { return policy_; }

 private:
  const RestartPolicy policy_;
  std::mutex mu_;
  std::deque<Nanos> recent_;  ///< times of the restarts within the period
};

/// A circuit breaker with resilience4j's model: closed -> open when, over a
/// count window of the last `window` calls (or a time window of 1 s buckets),
/// at least min(min_calls, window) calls were seen and the failure share (or
/// the slow-call share) reached its threshold; open rejects every call until
/// `open_for` has passed (strictly); then half-open admits `half_open_calls`
/// probes: all succeed -> closed, any fails -> open again. Results of calls
/// admitted before the last state change are ignored (gobreaker's
/// generations). Thread-safe; one breaker may serve several stages. The
/// defaults are resilience4j's but for min_calls 20, open_for 5 s and
/// half_open_calls 3 (a pipeline's calls are many and short); a pipeline
/// file's breaker has the same (policy_options.hpp).
class CircuitBreaker {
 public:
  enum class State { closed, open, half_open };

  struct Config {
    double failure_rate{0.5};             ///< in (0, 1]
    std::int64_t window{100};             ///< calls in the count window
    Nanos window_time{0};                 ///< > 0: a time window instead (whole seconds)
    std::int64_t min_calls{20};           ///< calls seen before it may open
    Nanos slow_call{0};                   ///< > 0: a call longer than this is slow
    double slow_call_rate{1.0};           ///< slow share that opens it, in (0, 1]
    Nanos open_for{5 * kNanosPerSecond};  ///< time open before probing
    std::int64_t half_open_calls{3};      ///< probes let through when half open
  };

  struct Permit {
    bool admitted{false};
    State state{State::closed};  ///< the state that admitted or rejected the call
    std::uint64_t generation{0};
  };

  struct Transition {
    State from;
    State to;
    double failure_rate;  ///< over the calls that decided it (-1: none)
    std::int64_t calls;
  };

  CircuitBreaker(std::string name, Config config);

  /// Asks to make a call at `now`. Open past `open_for` turns half-open here.
  Permit try_acquire(Nanos now, std::optional<Transition>* changed = nullptr);
  /// Gives back an admitted call that was never made (a rate limit dropped
  /// its message): a half-open probe slot becomes free again.
  void release(const Permit& permit);
  /// The outcome of an admitted call that started at `start` and ended at `now`.
  void record(const Permit& permit, bool failed, Nanos start, Nanos now,
              std::optional<Transition>* changed = nullptr);

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const Config& config() const noexcept { return config_; }
  [[nodiscard]] State state() const;
  /// Failure share over the window, or -1 below min_calls (for stats).
  [[nodiscard]] double failure_rate() const;
  [[nodiscard]] std::int64_t buffered_calls() const;
  [[nodiscard]] std::uint64_t rejected() const;
  [[nodiscard]] std::uint64_t transitions() const;
  [[nodiscard]] std::uint64_t late_results() const;

 private:
  struct Outcome {
    bool failed;
    bool slow;
  };
  struct Bucket {
    std::int64_t second;
    std::int64_t calls, failures, slow;
  };

  void evict_locked(Nanos now);
  void add_locked(Outcome o, Nanos now);
  void move_locked(State to, Nanos now, std::optional<Transition>* changed);
  [[nodiscard]] std::int64_t min_calls_locked() const noexcept;

  const std::string name_;
  const Config config_;
  mutable std::mutex mu_;
  State state_{State::closed};
  std::uint64_t generation_{0};
  Nanos open_until_{0};
  // Closed: the window (count: ring of outcomes; time: 1 s buckets).
  std::deque<Outcome> calls_;
  std::deque<Bucket> buckets_;
  std::int64_t calls_n_{0}, failures_n_{0}, slow_n_{0};
  // Half-open: probes admitted and their outcomes.
  std::int64_t probes_admitted_{0}, probes_done_{0}, probes_failed_{0}, probes_slow_{0};
  std::uint64_t rejected_{0}, transitions_{0}, late_{0};
};

std::string_view to_string(CircuitBreaker::State s) noexcept;

}  // namespace v1
}  // namespace sluice
