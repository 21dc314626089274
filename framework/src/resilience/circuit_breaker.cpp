#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include "sluice/resilience.hpp"

namespace sluice {
inline namespace v1 {
namespace {

/// floor(t / 1 s): the time window's bucket index, also for negative times.
std::int64_t second_of(Nanos t) noexcept {
  const std::int64_t q = t / kNanosPerSecond;
  return (t % kNanosPerSecond < 0) ? q - 1 : q;
}

/// part / whole, or -1 when nothing was counted.
double share(std::int64_t part, std::int64_t whole) noexcept {
  return whole == 0 ? -1.0 : static_cast<double>(part) / static_cast<double>(whole);
}

bool is_share(double x) noexcept { return x > 0.0 && x <= 1.0; }

void validate(const CircuitBreaker::Config& c) {
  if (!is_share(c.failure_rate)) throw std::invalid_argument("failure_rate must be in (0, 1]");
  if (!is_share(c.slow_call_rate)) throw std::invalid_argument("slow_call_rate must be in (0, 1]");
  if (c.window_time < 0 || c.window_time % kNanosPerSecond != 0) {
    throw std::invalid_argument("window_time must be a whole number of seconds");
  }
  if (c.window_time == 0 && c.window < 1) throw std::invalid_argument("window must be at least 1");
  if (c.min_calls < 1) throw std::invalid_argument("min_calls must be at least 1");
  if (c.slow_call < 0) throw std::invalid_argument("slow_call must not be negative");
  if (c.open_for < 0) throw std::invalid_argument("open_for must not be negative");
  if (c.half_open_calls < 1) throw std::invalid_argument("half_open_calls must be at least 1");
}

}  // namespace

std::string_view to_string(CircuitBreaker::State s) noexcept {
  switch (s) {
    case CircuitBreaker::State::closed:
      return "closed";
    case CircuitBreaker::State::open:
      return "open";
    case CircuitBreaker::State::half_open:
      return "half_open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(std::string name, Config config)
    : name_(std::move(name)), config_(config) {
  validate(config_);
}

CircuitBreaker::Permit CircuitBreaker::try_acquire(Nanos now, std::optional<Transition>* changed) {
  std::lock_guard lock(mu_);
  if (changed != nullptr) changed->reset();
  switch (state_) {
    case State::closed:
      // Keeps buffered_calls() current for stats; decisions evict on record.
      evict_locked(now);
      return {.admitted = true, .state = State::closed, .generation = generation_};
    case State::open:
      // Strict, as resilience4j and gobreaker: at exactly open_until it is still open.
      if (now <= open_until_) {
        ++rejected_;
        return {.admitted = false, .state = State::open, .generation = generation_};
      }
      move_locked(State::half_open, now, changed);
      break;
    case State::half_open:
      break;
  }
  // Half open: the permit count is the bound on concurrent probes.
  if (probes_admitted_ >= config_.half_open_calls) {
    ++rejected_;
    return {.admitted = false, .state = State::half_open, .generation = generation_};
  }
  ++probes_admitted_;
  return {.admitted = true, .state = State::half_open, .generation = generation_};
}

void CircuitBreaker::release(const Permit& permit) {
  std::lock_guard lock(mu_);
  // Only a probe of the current half-open round holds a slot: a closed call
  // holds none, and a state change already freed an older round's slots.
  if (!permit.admitted || permit.generation != generation_ || state_ != State::half_open) return;
  if (probes_admitted_ > probes_done_) --probes_admitted_;
}

void CircuitBreaker::record(const Permit& permit, bool failed, Nanos start, Nanos now,
                            std::optional<Transition>* changed) {
  std::lock_guard lock(mu_);
  if (changed != nullptr) changed->reset();
  if (!permit.admitted) return;  // a rejected call never ran: nothing to learn from it
  if (permit.generation != generation_) {
    // Admitted before the last state change: counting it would make the
    // decision depend on timing (gobreaker's generations).
    ++late_;
    return;
  }
  const bool slow = config_.slow_call > 0 && now - start > config_.slow_call;
  switch (state_) {
    case State::closed: {
      add_locked({.failed = failed, .slow = slow}, now);
      if (calls_n_ < min_calls_locked()) return;
      const bool too_many_failures = share(failures_n_, calls_n_) >= config_.failure_rate;
      const bool too_many_slow =
          config_.slow_call > 0 && share(slow_n_, calls_n_) >= config_.slow_call_rate;
      if (too_many_failures || too_many_slow) move_locked(State::open, now, changed);
      return;
    }
    case State::half_open: {
      ++probes_done_;
      if (failed) ++probes_failed_;
      if (slow) ++probes_slow_;
      // One failed probe is enough (README: Failures): the other probes' results turn late.
      if (failed) {
        move_locked(State::open, now, changed);
      } else if (probes_done_ >= config_.half_open_calls) {
        const bool too_many_slow =
            config_.slow_call > 0 && share(probes_slow_, probes_done_) >= config_.slow_call_rate;
        move_locked(too_many_slow ? State::open : State::closed, now, changed);
      }
      return;
    }
    case State::open:
      // Entering open starts a new generation and open admits nothing, so no
      // current-generation permit can exist here.
      return;
  }
}

void CircuitBreaker::evict_locked(Nanos now) {
  if (config_.window_time <= 0 || buckets_.empty()) return;
  const std::int64_t window_seconds = config_.window_time / kNanosPerSecond;
  // Never behind the newest bucket: a late clock reading must not un-evict.
  const std::int64_t current = std::max(second_of(now), buckets_.back().second);
  while (!buckets_.empty() && current >= buckets_.front().second + window_seconds) {
    const Bucket& oldest = buckets_.front();
    calls_n_ -= oldest.calls;
    failures_n_ -= oldest.failures;
    slow_n_ -= oldest.slow;
    buckets_.pop_front();
  }
}

void CircuitBreaker::add_locked(Outcome o, Nanos now) {
  ++calls_n_;
  if (o.failed) ++failures_n_;
  if (o.slow) ++slow_n_;
  if (config_.window_time <= 0) {
    calls_.push_back(o);
    if (std::ssize(calls_) > config_.window) {
      const Outcome oldest = calls_.front();
      calls_.pop_front();
      --calls_n_;
      if (oldest.failed) --failures_n_;
      if (oldest.slow) --slow_n_;
    }
    return;
  }
  evict_locked(now);
  // Threads report out of order; an outcome that reads an older second joins
  // the newest bucket rather than one already evicted.
  std::int64_t second = second_of(now);
  if (!buckets_.empty()) second = std::max(second, buckets_.back().second);
  if (buckets_.empty() || buckets_.back().second != second) {
    buckets_.push_back({.second = second, .calls = 0, .failures = 0, .slow = 0});
  }
  Bucket& b = buckets_.back();
  ++b.calls;
  if (o.failed) ++b.failures;
  if (o.slow) ++b.slow;
}

void CircuitBreaker::move_locked(State to, Nanos now, std::optional<Transition>* changed) {
  Transition t{.from = state_, .to = to, .failure_rate = -1.0, .calls = 0};
  if (state_ == State::closed) {
    t.failure_rate = share(failures_n_, calls_n_);
    t.calls = calls_n_;
  } else if (state_ == State::half_open) {
    t.failure_rate = share(probes_failed_, probes_done_);
    t.calls = probes_done_;
  }
  state_ = to;
  ++generation_;
  ++transitions_;
  if (to == State::closed) {
    calls_.clear();
    buckets_.clear();
    calls_n_ = failures_n_ = slow_n_ = 0;
  } else {
    // The closed window stays while open, so stats show what tripped it.
    probes_admitted_ = probes_done_ = probes_failed_ = probes_slow_ = 0;
    if (to == State::open) open_until_ = saturating_add(now, config_.open_for);
  }
  if (changed != nullptr) *changed = t;
}

std::int64_t CircuitBreaker::min_calls_locked() const noexcept {
  // A count window never holds more than `window` calls, so a larger minimum
  // could never be reached (resilience4j clamps it the same way).
  if (config_.window_time > 0) return config_.min_calls;
  return std::min(config_.min_calls, config_.window);
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

double CircuitBreaker::failure_rate() const {
  std::lock_guard lock(mu_);
  if (calls_n_ < min_calls_locked()) return -1.0;
  return share(failures_n_, calls_n_);
}

std::int64_t CircuitBreaker::buffered_calls() const {
  std::lock_guard lock(mu_);
  return calls_n_;
}

std::uint64_t CircuitBreaker::rejected() const {
  std::lock_guard lock(mu_);
  return rejected_;
}

std::uint64_t CircuitBreaker::transitions() const {
  std::lock_guard lock(mu_);
  return transitions_;
}

std::uint64_t CircuitBreaker::late_results() const {
  std::lock_guard lock(mu_);
  return late_;
}

}  // namespace v1
}  // namespace sluice
