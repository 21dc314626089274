// Waker: something a channel or a timer can wake up. Implemented by stage
// instances; the scheduler decides where the woken instance runs.
#pragma once

namespace sluice::detail {

class Waker {
 public:
  /// Schedules the instance if it is idle, or tells a running one to run
  /// again before it parks. Never runs stage code on the caller's thread.
  virtual void notify() noexcept = 0;

 protected:
  ~Waker() = default;
};

}  // namespace sluice::detail
