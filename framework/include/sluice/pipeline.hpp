// Pipeline: runs a Graph on one oneTBB task arena of `threads` workers. Stage
// instances are tasks, never threads; waits are timers, never sleeps.
//
//   sluice::Pipeline p(std::move(graph), {.threads = 2});
//   p.start();
//   ...                 // p.stop() drains gracefully, p.cancel() does not
//   auto result = p.wait();
//   if (!result.ok()) std::cerr << result.error << "\n";
//
// Thread-safety: stop(), cancel() and stats() may be called from any thread
// (stop() is async-signal-unsafe: call it from a signal-watching thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/clock.hpp"
#include "sluice/graph.hpp"
#include "sluice/stage.hpp"
#include "sluice/stats.hpp"
#include "sluice/tap.hpp"

namespace sluice {
inline namespace v1 {

using LogFunction =
    std::function<void(LogLevel level, std::string_view stage, std::string_view message)>;

enum class Fusion { automatic, always, never };

struct RunOptions {
  std::size_t threads{0};                     ///< arena workers; 0 = all cores
  Nanos drain_timeout{10 * kNanosPerSecond};  ///< graceful-stop budget
  /// After a cancel (the drain deadline, a second stop, a fatal error), how
  /// long (real time) wait() waits for stages still inside a call before it
  /// gives up on them: it returns, naming them in RunResult::stuck.
  Nanos cancel_grace{2 * kNanosPerSecond};
  Nanos run_for{0};        ///< > 0: stop gracefully after this long
  std::size_t batch{256};  ///< most messages a stage takes per turn
  /// Threads the I/O pool may grow to (blocking stages: `workers` calls at
  /// once each, up to this many in all); they start on demand.
  std::size_t io_threads{64};
  /// How long an idle I/O thread waits for work before it ends.
  Nanos io_idle{10 * kNanosPerSecond};
  std::string name{"pipeline"};
  const Clock* clock{nullptr};  ///< nullptr = the steady clock
  LogFunction log{};            ///< nullptr = stderr
  /// Whether chains of fusable stages (NodeOptions::fusable) with equal
  /// `workers` run as one loop per instance: one pass over each message
  /// instead of a task and a queue per stage. `automatic` fuses a chain
  /// whose stages have at least `threads` workers (on one thread, every
  /// chain): its instances fill the arena by themselves, so fusing only
  /// removes overhead. A chain of fewer workers than threads runs its
  /// stages in parallel (pipeline parallelism), which one loop would give up.
  Fusion fusion{Fusion::automatic};
  /// Non-empty: record the run as a Chrome trace-event JSON file here (for
  /// Perfetto or chrome://tracing): a track per thread, a span per stage
  /// turn, instants for retries, breaker changes, drops and timer wakes,
  /// edge depths, and flow events for the hops of sampled messages. The
  /// file is opened by the constructor (std::runtime_error when it cannot
  /// be) and completed by wait().
  std::string trace_file{};
  /// The share of trace ids whose messages get flow events (0..1).
  double trace_sample{0.001};
};

/// interrupted: stop() (a signal) ended the run; drain_timeout: a stop of
/// its own (run_for, take) found messages still in flight at the drain
/// deadline, and they were abandoned.
enum class RunStatus { ok, failed, interrupted, drain_timeout };

std::string_view to_string(RunStatus s) noexcept;

struct RunResult {
  RunStatus status{RunStatus::ok};
  std::string error_stage;  ///< the first fatal error's stage
  std::uint64_t error_seq{0};
  bool has_error_seq{false};
  std::uint64_t error_trace_id{0};      ///< that message's trace id (0: none)
  std::string error;                    ///< its message
  std::vector<std::string> suppressed;  ///< later errors, "stage: message"
  std::uint64_t abandoned{0};           ///< messages never finished (hard cancel)
  /// Stages left running inside a call that did not return within
  /// cancel_grace of the cancel. The Pipeline's destructor then waits for
  /// those calls: a program that cannot wait exits without destroying it.
  std::vector<std::string> stuck;
  [[nodiscard]] bool ok() const noexcept { return status == RunStatus::ok; }
};

class Pipeline {
 public:
  Pipeline(Graph graph, RunOptions options);
  ~Pipeline();  ///< cancels a running pipeline and waits for it
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void start();
  /// Graceful stop: sources stop, in-flight messages drain within
  /// drain_timeout, sinks flush. A second stop() cancels.
  void stop();
  /// Hard stop: everything still in flight is abandoned (and counted).
  void cancel();
  /// Blocks the calling (non-arena) thread until the run is over: no task is
  /// left, timers are dropped, the timer and I/O threads are joined. The
  /// arena's workers stay, idle, in oneTBB's process-wide pool (README).
  RunResult wait();
  RunResult run() {
    start();
    return wait();
  }
  [[nodiscard]] Stats stats() const;
  /// Hands `sink` copies of what leaves `from` ("stage" or "stage.port", as
  /// in Stats' edges) from now on, through its first edge; "" when it taps,
  /// else why not (no such output, one fused into the next stage, tapped
  /// already). Nobody tapping costs a null test per batch (tap.hpp).
  [[nodiscard]] std::string tap(std::string_view from, TapSink* sink);
  /// Stops every tap of `sink`; after it returns `sink` is not called again.
  void untap(TapSink* sink);
  /// With a ManualClock: fires every timer that is due at the clock's now.
  void fire_due_timers();
  /// Timers armed and not yet fired (tests wait for a stage to arm one).
  [[nodiscard]] std::size_t pending_timers() const;
  /// No stage task is queued or running. With a ManualClock, once this holds
  /// after fire_due_timers(), every stage has done all that the clock's now
  /// allows: the next advance() cannot overtake a stage still at work.
  [[nodiscard]] bool idle() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace v1
}  // namespace sluice
