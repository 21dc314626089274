// Runtime: the services the instances of one running pipeline share — the
// arena, the I/O pool, the timer service, cancellation and the first error.
// Instances reach it only through InstanceHost (instance_host.hpp); Pipeline
// (pipeline.cpp) is its public face.
#pragma once

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/channel.hpp"
#include "runtime/instance_host.hpp"
#include "runtime/io_pool.hpp"
#include "runtime/node_runtime.hpp"
#include "runtime/timer_service.hpp"
#include "sluice/pipeline.hpp"

namespace sluice::detail {

class Runtime : public InstanceHost {
 public:
  Runtime(Graph graph, RunOptions options);
  ~Runtime() override;
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  void start();
  void stop(bool interrupted);
  void cancel();
  RunResult wait();
  /// Cancels and waits for a run not waited for, and waits for the calls a
  /// wait() left stuck: they still use this object. Called by the owner
  /// before the object starts to be destroyed (a destructor already changing
  /// the object would race with them), and again, harmlessly, by ~Runtime.
  void end_before_destruction();
  [[nodiscard]] Stats stats() const;
  /// Pipeline::tap / untap (runtime_tap.cpp).
  [[nodiscard]] std::string tap(std::string_view from, TapSink* sink);
  void untap(TapSink* sink);
  void fire_due_timers() { timers_.fire_due(); }
  [[nodiscard]] std::size_t pending_timers() const { return timers_.pending(); }
  /// No task queued or running (a task counts from dispatch to task_done).
  [[nodiscard]] bool idle() const noexcept { return tasks_.load(std::memory_order_acquire) == 0; }

  // InstanceHost
  void dispatch(Instance* instance, bool yielding = false) override;
  void dispatch_anywhere(Instance* instance) override;
  [[nodiscard]] bool slot_waiting() const noexcept override;
  void task_done() noexcept override;
  void instance_finished() noexcept override;
  void report_error(std::string_view stage, const std::optional<MessageId>& message,
                    std::string what) override;
  void log(LogLevel level, std::string_view stage, std::string_view message) override;

 private:
  struct Alarm;
  struct Trace;  ///< --trace: the Tracer and its edge sampler (runtime_trace.cpp)
  void build();
  /// Lets each chain of fusable stages run in its first stage's instance (fuse_chains.cpp).
  void fuse_chains(std::size_t min_workers);
  /// Queues a task for `instance` (already counted in tasks_) on the arena.
  void to_arena(Instance* instance);
  /// The body of an arena task: runs `first`, then what it woke (LIFO slot).
  void run_task(Instance* first);
  void notify_all(bool sources_only);
  void count_down(std::atomic<std::size_t>& counter) noexcept;
  /// A stop or cancel before start() is done (a signal in the first
  /// milliseconds) is remembered, and start() honours it once the arena is
  /// up: returns false then. A second stop before that makes a cancel.
  enum class Pending { none, stop, cancel };
  bool ready_or_remember(Pending request);
  /// wait(): the instances still inside a turn once cancel_grace has passed
  /// since the cancel; they are left running and named in the result.
  void give_up_on_stuck();
  /// The drain deadline: names the stages still busy, then cancels.
  void drain_expired();
  [[nodiscard]] bool any_in_turn() const noexcept;
  // --trace (runtime_trace.cpp): made with the channels, sampled from
  // start(), written by wait() (or, after stuck calls, once they are back).
  void open_trace();
  void start_trace();
  void finish_trace();

  Graph graph_;
  RunOptions options_;
  std::unique_ptr<IoPool> io_;
  std::unique_ptr<tbb::task_arena> arena_;
  std::unique_ptr<tbb::global_control> parallelism_;

  std::vector<std::unique_ptr<Channel>> channels_;
  std::vector<std::unique_ptr<NodeRuntime>> nodes_;
  std::vector<NodeRuntime*> fused_edge_to_;  ///< per edge: the fused stage it feeds, or null
  std::unique_ptr<Alarm> drain_alarm_;
  std::unique_ptr<Alarm> run_for_alarm_;

  std::atomic<bool> started_{false};
  std::mutex start_mu_;  ///< orders start() with stop() and cancel() of other threads
  bool ready_{false};    ///< the arena is up: stop and cancel act at once
  Pending pending_{Pending::none};
  std::atomic<std::int64_t> cancelled_at_{0};  ///< steady ns of the cancel; 0 = none
  bool gave_up_{false};
  std::atomic<bool> drain_expired_{
      false};  ///< wait() left stuck instances running (under done_mu_)
  std::atomic<bool> interrupted_{false};
  std::atomic<std::size_t> live_{0};
  std::atomic<std::size_t> tasks_{0};
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  bool waited_{false};
  RunResult result_;

  mutable std::mutex error_mu_;
  bool has_error_{false};
  std::atomic<std::int64_t> started_ns_{0};  ///< stats() reads it from any thread
  std::atomic<std::int64_t> ended_ns_{0};
  struct TraceDeleter {  ///< Trace is complete only in runtime_trace.cpp
    void operator()(Trace* trace) const noexcept;
  };
  std::unique_ptr<Trace, TraceDeleter> trace_;  ///< last: goes first, before what it reads
};

}  // namespace sluice::detail
