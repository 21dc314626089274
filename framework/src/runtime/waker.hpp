// Waker: something a channel or a timer can wake up. Implemented by stage
// instances; the scheduler decides where the woken instance runs.
#pragma once

namespace sluice::detail {

class Waker {
 public:
  /// Schedules the instance if it is idle, or tells a running one to run
  /// again before it parks. Never runs stage code on the caller's thread.
  virtual void notify() noexcept = 0;
  /// notify(), for work the waker did not just make for it alone (room on an
  /// edge it waits to push into, a share of a queue another consumer left, a
  /// push into a queue several workers share):
  /// nothing of it is in the waker's cache, and an idle thread should take
  /// it now rather than after the waker's turn.
  virtual void notify_anywhere() noexcept { notify(); }

 protected:
  ~Waker() = default;
};

}  // namespace sluice::detail
