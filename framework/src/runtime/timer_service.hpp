// TimerService: the one place where sluice waits for time. Parked stages
// (rate limits, backoff, delay, batch timeouts) and pipeline deadlines (drain,
// run_for) register a deadline; when it passes, the target is told and
// re-schedules itself. The service never runs stage code.
//
// With a real clock one thread sleeps until the earliest deadline. With a
// ManualClock there is no thread: tests advance the clock and call fire_due().
//
// Thread-safety: all members may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "sluice/clock.hpp"

namespace sluice::detail {

class TimerTarget {
 public:
  /// Called on the timer thread (or in fire_due) once `deadline` has passed.
  virtual void on_deadline(Nanos deadline) noexcept = 0;

 protected:
  ~TimerTarget() = default;
};

class TimerService {
 public:
  explicit TimerService(const Clock& clock);
  ~TimerService();  ///< stops the thread; pending timers are dropped
  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;

  void schedule(Nanos deadline, TimerTarget* target);
  /// Fires every timer due at the clock's now. Returns how many fired.
  std::size_t fire_due();
  /// Drops every pending timer and stops the thread; later schedules are ignored.
  void shutdown();
  [[nodiscard]] std::size_t pending() const;

 private:
  struct Entry {
    Nanos deadline;
    std::uint64_t order;  ///< same deadline: first scheduled fires first
    TimerTarget* target;
    bool operator>(const Entry& o) const noexcept {
      return deadline != o.deadline ? deadline > o.deadline : order > o.order;
    }
  };
  void loop();
  std::vector<Entry> take_due_locked(Nanos now);

  const Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
  std::uint64_t next_order_{0};
  bool stopped_{false};
  std::thread thread_;
};

}  // namespace sluice::detail
