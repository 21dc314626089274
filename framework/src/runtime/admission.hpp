// Admission: whether an instance may make its next call now, under the
// stage's rate limit, semaphore and circuit breaker, and what it holds
// meanwhile: a token it reserved and waits for, a semaphore permit, a
// breaker permit. Held per instance, across turns: a message that must
// wait keeps its reservation until the instance comes back to it, so no
// token is spent twice and no permit is held while waiting for a token.
//
//   switch (admission.admit()) {
//     case Admission::Gate::pass: call(m); admission.release_permit(); break;
//     case Admission::Gate::skip: count_dropped(); break;  // rate-limited
//     case Admission::Gate::wait:  // a timer at token_at(), or a freed permit
//       if (admission.waiting_for_token()) wake_at(admission.token_at());
//   }
//
// Not thread-safe: one per instance; the limiters it uses are shared.
#pragma once

#include <optional>
#include <utility>

#include "sluice/clock.hpp"
#include "sluice/limits.hpp"
#include "sluice/resilience.hpp"

namespace sluice::detail {

class Admission {
 public:
  enum class Gate { pass, skip, wait };

  /// Any of the three may be null (the stage has no such policy). `waiter`
  /// is notified when a semaphore permit it waited for frees up.
  Admission(RateLimiter* limiter, Semaphore* semaphore, CircuitBreaker* breaker, const Clock& clock,
            Semaphore::Waiter* waiter) noexcept
      : limiter_(limiter),
        semaphore_(semaphore),
        breaker_(breaker),
        clock_(clock),
        waiter_(waiter) {}

  /// Whether the next message may go now: a token (reserved ahead when it is
  /// not there yet), then a semaphore permit. skip: the rate limit dropped it.
  Gate admit();
  /// After a wait from admit(): the reserved token is due at token_at().
  [[nodiscard]] bool waiting_for_token() const noexcept { return token_reserved_; }
  [[nodiscard]] Nanos token_at() const noexcept { return token_at_; }
  /// A batch was taken: under a rate limit, its messages' wait for a token
  /// counts from now (against the limiter's max_wait).
  void note_taken() {
    if (limiter_) taken_at_ = clock_.now();
  }

  /// Holds a semaphore permit: true when one was held already or is taken
  /// now; false when none is free (the waiter is then notified of one).
  bool acquire_permit() {
    if (holding_permit_) return true;
    if (!semaphore_->try_acquire(waiter_)) return false;
    holding_permit_ = true;
    return true;
  }
  [[nodiscard]] bool holding_permit() const noexcept { return holding_permit_; }
  void release_permit() noexcept {
    if (holding_permit_) {
      holding_permit_ = false;
      semaphore_->release();
    }
  }

  /// An async call goes on after its turn: it takes the semaphore permit
  /// held for it (true when one was held), to give back with
  /// release_handed_permit() when it completes.
  bool hand_over_permit() noexcept { return std::exchange(holding_permit_, false); }
  void release_handed_permit() noexcept { semaphore_->release(); }
  /// Likewise the breaker permit, to record with CircuitBreaker::record.
  CircuitBreaker::Permit hand_over_breaker() noexcept { return std::exchange(permit_, {}); }

  /// Whether the breaker lets the next call through; a permit it gives is
  /// held until the call is recorded or released (it survives a wait).
  bool enter_breaker(std::optional<CircuitBreaker::Transition>* changed);
  /// The call the held breaker permit admitted ran from `start` to `end`.
  void record_call(bool failed, Nanos start, Nanos end,
                   std::optional<CircuitBreaker::Transition>* changed);
  /// Gives back a held breaker permit whose call was never made.
  void release_breaker();

 private:
  RateLimiter* limiter_;
  Semaphore* semaphore_;
  CircuitBreaker* breaker_;
  const Clock& clock_;
  Semaphore::Waiter* waiter_;
  bool token_reserved_{false};  ///< the message waiting owns a token due at token_at_
  Nanos token_at_{0};
  Nanos taken_at_{0};  ///< when the batch being processed was taken
  bool holding_permit_{false};
  CircuitBreaker::Permit permit_{};  ///< held by the message waiting for a token
};

}  // namespace sluice::detail
