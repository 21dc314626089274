// InstanceHost: what a stage instance needs from the pipeline that runs it —
// its clock and timers, whether the run is stopping or cancelled, a place to
// queue the instance, and where errors and logs go. Runtime implements it;
// instances see only this, so the runtime depends on the instances and not
// the other way round.
//
// What an instance reads per message or per turn (the clock, the cancel and
// stop flags, the batch size) is held here and read inline; only what is
// already a call into the runtime (dispatch, task_done, errors, logs) is
// virtual, so the interface adds no indirection to the hot path.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/message_id.hpp"
#include "runtime/timer_service.hpp"
#include "sluice/clock.hpp"
#include "sluice/stage.hpp"

namespace sluice::detail {

class Instance;
class Tracer;

class InstanceHost {
 public:
  virtual ~InstanceHost() = default;
  InstanceHost(const InstanceHost&) = delete;
  InstanceHost& operator=(const InstanceHost&) = delete;

  [[nodiscard]] const Clock& clock() const noexcept { return *clock_; }
  [[nodiscard]] TimerService& timers() noexcept { return timers_; }
  [[nodiscard]] bool cancelled() const noexcept {
    return cancelled_.load(std::memory_order_acquire);
  }
  /// cancelled() for the per-message loops: a relaxed load, which orders
  /// nothing and lets the compiler keep the loop's state in registers.
  [[nodiscard]] bool cancel_seen() const noexcept {
    return cancelled_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] bool stopping() const noexcept { return stopping_.load(std::memory_order_acquire); }
  /// The pipeline's batch size (a stage's own `batch` overrides it).
  [[nodiscard]] std::size_t batch() const noexcept { return batch_; }
  /// Some source stamps deadlines: stages look at them (none pay otherwise).
  [[nodiscard]] bool deadlines() const noexcept { return deadlines_; }
  /// The run's trace (--trace), or null: tested once per turn, never per message.
  [[nodiscard]] Tracer* tracer() const noexcept { return tracer_; }

  /// Queues `instance` to run. `yielding`: it is the instance running on
  /// this thread, which returns to its pool right after.
  virtual void dispatch(Instance* instance, bool yielding = false) = 0;
  /// Queues `instance` where any thread may run it, never in this thread's
  /// LIFO slot (Waker::notify_anywhere).
  virtual void dispatch_anywhere(Instance* instance) = 0;
  /// An instance this thread's task woke waits to run after it (the LIFO
  /// slot): a task that has run long should let it (Instance::run).
  [[nodiscard]] virtual bool slot_waiting() const noexcept = 0;
  /// A task ended (a task counts from dispatch to task_done).
  virtual void task_done() noexcept = 0;
  /// An instance has finished for good.
  virtual void instance_finished() noexcept = 0;
  /// A fatal error: the first one wins and cancels the run; later ones are
  /// kept as suppressed. `message`: the one it was about, if any.
  virtual void report_error(std::string_view stage, const std::optional<MessageId>& message,
                            std::string what) = 0;
  virtual void log(LogLevel level, std::string_view stage, std::string_view message) = 0;

 protected:
  explicit InstanceHost(const Clock& clock) : clock_(&clock), timers_(clock) {}

  const Clock* clock_;
  TimerService timers_;
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> stopping_{false};
  std::size_t batch_{1};
  bool deadlines_{false};
  Tracer* tracer_{nullptr};
};

}  // namespace sluice::detail
