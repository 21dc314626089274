// WakeTimer: an instance's one timer on the timer service, shared by what it
// waits for — the stage's own wake-ups (Context::wake_at), a rate-limit
// token, the next parked retry. Only the earliest deadline is armed; the
// others are armed again when it fires (the instance re-arms what is still
// pending), so an instance never has more than one deadline queued at a time.
// The time the stage itself asked for is kept apart: the timer may fire for
// a retry, and on_timer must run only when the stage's own time has come.
//
//   timer.arm(due);                       // the instance's thread
//   if (timer.fire(deadline)) notify();   // in TimerTarget::on_deadline
//   if (timer.take_fired()) ...           // next turn
//
// arm() and the stage's time are the instance's (one turn at a time);
// fire() may come from the timer thread meanwhile.
#pragma once

#include <algorithm>
#include <atomic>

#include "runtime/timer_service.hpp"
#include "sluice/stage.hpp"

namespace sluice::detail {

class WakeTimer {
 public:
  static constexpr Nanos kNone = Context::kNoDeadline;

  WakeTimer(TimerService& timers, TimerTarget* target) noexcept
      : timers_(timers), target_(target) {}

  /// Schedules a wake-up at `deadline` unless an earlier one is armed.
  void arm(Nanos deadline) {
    Nanos armed = armed_.load(std::memory_order_acquire);
    while (deadline < armed) {
      if (armed_.compare_exchange_weak(armed, deadline, std::memory_order_acq_rel)) {
        timers_.schedule(deadline, target_);
        return;
      }
    }
  }
  /// The timer service reached `deadline`: true when it is the one armed
  /// (not one an earlier arm replaced), which then counts as fired.
  bool fire(Nanos deadline) noexcept {
    Nanos expected = deadline;
    if (!armed_.compare_exchange_strong(expected, kNone, std::memory_order_acq_rel)) return false;
    fired_.store(true, std::memory_order_release);
    return true;
  }
  /// Whether it fired since last asked; clears that.
  bool take_fired() noexcept { return fired_.exchange(false, std::memory_order_acq_rel); }
  /// A source asks for its time again on each produce(): what fired is moot.
  void forget_fired() noexcept { fired_.store(false, std::memory_order_relaxed); }

  /// The stage asked to be woken at `deadline` (the earliest ask counts).
  void stage_wants(Nanos deadline) {
    stage_due_ = std::min(stage_due_, deadline);
    arm(deadline);
  }
  /// The earliest time the stage asked for, or kNone.
  [[nodiscard]] Nanos stage_due() const noexcept { return stage_due_; }
  void clear_stage_due() noexcept { stage_due_ = kNone; }

 private:
  TimerService& timers_;
  TimerTarget* target_;
  std::atomic<bool> fired_{false};
  std::atomic<Nanos> armed_{kNone};
  Nanos stage_due_{kNone};
};

}  // namespace sluice::detail
