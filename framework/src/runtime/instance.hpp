// Instance: one running copy of a stage, scheduled as a task. It is never
// bound to a thread: each turn it takes a bounded batch of input, runs the
// stage on it, hands the output to its edges and yields; with no input, a
// full output or a pending timer it parks, and whoever frees it notifies it.
//
// State machine (docs/architecture.md): idle -> scheduled -> running -> idle, with
// running -> notified when woken mid-turn, so no wake-up is lost and no
// instance is ever queued twice.
//
// The instance keeps that state machine and the turn logic; what it
// remembers between turns about its inputs (InputIntake), its limits and
// breaker (Admission), its parked retries (RetryQueue) and its timer
// (WakeTimer) is held by those.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/admission.hpp"
#include "runtime/call_state.hpp"
#include "runtime/caught.hpp"
#include "runtime/input_intake.hpp"
#include "runtime/instance_counters.hpp"
#include "runtime/message_id.hpp"
#include "runtime/node_runtime.hpp"
#include "runtime/output_buffer.hpp"
#include "runtime/retry_queue.hpp"
#include "runtime/runtime_emitter.hpp"
#include "runtime/timer_service.hpp"
#include "runtime/tracer.hpp"
#include "runtime/wake_timer.hpp"
#include "runtime/waker.hpp"
#include "sluice/async.hpp"
#include "sluice/limits.hpp"
#include "sluice/resilience.hpp"
#include "sluice/stage.hpp"
#include "splitmix.hpp"
#include "trace_id.hpp"

namespace sluice::detail {

class InstanceHost;  // the pipeline's shared services (instance_host.hpp)
class FusedStage;    // a stage run inside this instance's loop (fused_stage.hpp)

class Instance final : public Waker, public Semaphore::Waiter, public TimerTarget, public Context {
 public:
  Instance(InstanceHost& rt, NodeRuntime& node, std::size_t index);
  ~Instance() override;

  void notify() noexcept override { wake(/*anywhere=*/false); }
  void notify_anywhere() noexcept override { wake(/*anywhere=*/true); }
  void on_deadline(Nanos deadline) noexcept override;
  /// The task body: runs turns until the instance parks, yields or ends.
  void run() noexcept;
  /// Inside a turn now (a stage call that never returns keeps it so).
  [[nodiscard]] bool in_turn() const noexcept {
    const int s = state_.load(std::memory_order_acquire);
    return s == running || s == notified;
  }

  [[nodiscard]] bool is_source() const noexcept { return source_ != nullptr; }
  [[nodiscard]] bool blocking() const noexcept;
  [[nodiscard]] const InstanceCounters& counters() const noexcept { return counters_; }

  // Context
  [[nodiscard]] std::string_view stage_name() const noexcept override;
  [[nodiscard]] std::size_t instance() const noexcept override { return index_; }
  [[nodiscard]] std::size_t instances() const noexcept override;
  [[nodiscard]] const Clock& clock() const noexcept override;
  [[nodiscard]] bool cancelled() const noexcept override;
  [[nodiscard]] Nanos deadline() const noexcept override {
    return std::min(attempt_deadline_, message_deadline_);
  }
  [[nodiscard]] std::int64_t attempt() const noexcept override { return attempt_; }
  void wake_at(Nanos deadline) override;
  [[nodiscard]] std::function<void()> waker() override;
  void request_stop() override { stop_requested_ = true; }
  void log(LogLevel level, std::string_view message) override;
  void count_filtered(std::uint64_t n) noexcept override { bump(counters_.filtered, n); }
  void count_dropped(std::uint64_t n) noexcept override { bump(counters_.dropped, n); }
  void add_counter(std::string_view name, std::uint64_t n) override;
  [[nodiscard]] std::size_t input_count() const noexcept override { return node_.inputs.size(); }
  [[nodiscard]] std::size_t input_index() const noexcept override { return intake_.input_index(); }
  [[nodiscard]] std::int64_t restarts() const noexcept override { return restarts_; }

 private:
  enum class Next { yield, park, finished };
  enum class Phase { opening, running, closing, finished };
  enum State : int { idle, scheduled, running, notified, done };

  /// notify() and notify_anywhere(): queues the instance if idle (`anywhere`:
  /// not in this thread's LIFO slot), or tells a running one to go again.
  void wake(bool anywhere) noexcept;

  Next turn();
  Next turn_source();
  Next turn_consumer();
  bool flush();  ///< false: parked on a full edge
  /// Takes the next batch into in_ (InputIntake), under the sequencer's intake lock.
  std::size_t take_input();
  // Processing a taken batch under on_error (instance_process.cpp).
  /// Processes in_ and tells the batch sizer what it cost.
  void process_input();
  void process_taken();
  /// One call of the stage under on_error = fail: false when it threw (the
  /// pipeline is failing; `left` messages of the batch are abandoned).
  bool call_or_fail(Message& m, std::size_t left);
  /// Before the rest of a failed batch is abandoned: lets go of what was
  /// processed up to batch[i] (in_ unless given) and not passed on, so that
  /// what a filter dropped reports ok to its source rather than abandoned.
  void release_processed(std::size_t i) noexcept { release_processed(in_, i); }
  void release_processed(std::vector<Message>& batch, std::size_t i) noexcept;
  /// One call under on_error = drop / dead_letter: a throw diverts `m`.
  void call_or_divert(Message& m);
  void consume_input();

  // Chain fusion (instance_fused.cpp): this stage and the stages fused after
  // it run one after another on each message, all passing it on in place.
  struct FusedStep {
    Stage* stage;
    Emitter* emitter;
    Context* ctx;
    InstanceCounters* counters;
    /// What the step emits on close (its process passes on or drops the
    /// message it is given); null for the last step, which emits to the outputs.
    std::vector<Message>* stray;
  };
  [[nodiscard]] bool fused() const noexcept { return !steps_.empty(); }
  /// Makes and opens the fused stages; false (reported) when one fails.
  bool open_fused();
  void process_fused() { run_steps(0, in_); }
  /// Runs `batch` through steps_[first] and those after it, each passing a
  /// message on in place; false (reported) when a step threw.
  bool run_steps(std::size_t first, std::vector<Message>& batch);
  /// Closes every step in order, running what one emits on close through
  /// the steps after it; false (reported) when one fails.
  bool close_fused();
  /// Whose `out` the delivered messages count to: the last fused stage's.
  InstanceCounters& out_counters() noexcept;
  /// Whether the next message may be processed now (rate limit, semaphore):
  /// Admission's verdict, counted (skip) and waited for (a token's timer).
  using Gate = Admission::Gate;
  Gate admit();
  // Per-message deadlines (instance_deadlines.cpp).
  /// A source: stamps what it just emitted with its deadline (`deadline`)
  /// and a trace id where it set none.
  void stamp_source_output();
  /// Takes out of in_ what is past its deadline: counted expired, and
  /// dead-lettered under on_error = dead_letter.
  void expire_overdue();
  /// Context::deadline() tells the stage about `m`'s deadline while it runs.
  void track_deadline(const Message& m) noexcept {
    if (deadlines_) message_deadline_ = m.deadline_ns != 0 ? m.deadline_ns : kNoDeadline;
  }
  /// Keeps in_[from..] to process before any new input.
  void keep_rest(std::size_t from);  ///< and their attempt states
  Next begin_close();
  Next turn_closing();
  /// A wake-up the stage asked for has come: runs on_timer. A value means
  /// the turn ends there (parked on a full output, or failed).
  std::optional<Next> fire_timer();
  /// Lets a stage that holds messages emit what its outputs can take: once
  /// while its inputs are open, else until empty or full. True when it still
  /// holds some and the outputs had room: the turn should yield, not park.
  bool release_held();
  /// No input this turn: releases what is held, then yields or parks.
  Next release_instead();
  /// A stage that holds messages takes a batch more from each input it
  /// accepts before it releases (see release_held).
  void take_more();
  Next finish(bool abandon);

  // Attempts under retry, circuit breaker and timeout (instance_attempts.cpp).
  enum class Step { done, wait, fatal };
  [[nodiscard]] bool resilient() const noexcept;
  void process_attempts();
  /// One attempt at `m` (which stays in place unless it is parked or diverted).
  Step attempt(Message& m, AttemptState& st);
  Step final_failure(Message& m, const std::string& what, std::int64_t attempts);
  void reject(Message& m, std::int64_t attempts);
  /// Moves the parked retries that are due into in_; arms the timer for the next.
  bool take_due_retries();
  void log_failure(std::uint64_t seq, std::uint64_t trace_id, const std::string& what,
                   std::int64_t attempts, const char* outcome);
  void log_transition(const CircuitBreaker::Transition& t);
  void fail(std::string what, const std::optional<MessageId>& message);

  // Supervised restarts and a source's retries (instance_restart.cpp).
  /// After a failure: a restart after its backoff (true), or, with no
  /// `restart` or past its intensity, the run fails (false).
  bool restart_later(const std::string& what, const std::optional<MessageId>& message);
  /// A restart is waiting: parks until its time, then lets go of the old
  /// stage or sink (a source is kept: it reopens where it was) and opens again.
  std::optional<Next> await_restart();
  /// produce() threw: called again after the retry's backoff, else reopened
  /// under `restart`, else the run fails.
  Next source_failed(const Caught& error);
  /// opening: open() threw.
  Next open_failed(const Caught& error);
  /// Before a stage call: what would show that it did something with its message.
  struct CallMark {
    std::size_t emitted;
    std::uint64_t skipped;
  };
  [[nodiscard]] CallMark call_mark() const noexcept {
    return {emitter_.emitted(), counters_.skipped()};
  }
  /// The mark of the next call, where the stage watches for a cancel: only
  /// a stage that asks Context::cancelled() (or blocks) can return early at
  /// one, and marking costs a cheap stage's call as much as the call.
  [[nodiscard]] std::optional<CallMark> mark_call() const noexcept {
    if (!watches_cancel_.load(std::memory_order_relaxed)) return std::nullopt;
    return call_mark();
  }
  /// After a call that returned while the run was being cancelled: a message
  /// it neither emitted, counted nor may hold was dropped by the cancel (a
  /// plugin that returns early): abandoned, and counted so, once. `before`:
  /// mark_call()'s; without one, where the stage stood when it first asked.
  void settle_cancelled_call(const std::optional<CallMark>& marked, const AckRef& ack);
  /// on_error = drop / dead_letter for the message `failed` (a copy taken
  /// before the attempt when it is to be dead-lettered).
  void divert(Message&& failed, std::uint64_t seq, std::uint64_t trace_id, const std::string& what);
  OutputBuffer::FlushResult flush_outputs();
  void account(const OutputBuffer::FlushResult& r) noexcept;
  /// Ordered stages: the next batch number, and handing a batch to the Sequencer.
  std::uint64_t take_ticket();
  void submit_ordered(std::uint64_t ticket);

  // Async stages and sinks (instance_async.cpp): calls started, completed later.
  /// One message's call, from its start until its result is settled.
  struct Flight {
    std::shared_ptr<CallState> call;  ///< null while waiting out a retry's backoff
    Message original;                 ///< kept when a retry or a dead letter needs it
    bool kept{false};
    AckRef ack;
    std::uint64_t seq{0};
    std::uint64_t trace_id{0};
    AttemptState st;
    Nanos start{0};
    Nanos deadline{kNoDeadline};
    CircuitBreaker::Permit breaker{};
    bool permit{false};   ///< holds a semaphore permit
    bool settled{false};  ///< ordered: its outputs wait in `results` for those before it
    std::vector<std::pair<std::size_t, Message>> results;
  };
  Next turn_async();
  /// Takes in completions, timeouts and retries that are due; emits what may go.
  /// False when the run is failing (on_error = fail).
  bool settle_calls();
  /// The attempt at `m` as a call (from attempt()): started, or wait for room.
  Step start_call(Message& m, const AttemptState& st);
  void launch(Flight& f, Message given);
  /// The result of f's call is in (or it timed out): false on a fatal failure.
  bool settle(Flight& f, CallState* call);  ///< null: it timed out
  void emit_results(Flight& f);
  /// After a batch was started: yields, or parks while held back.
  Next after_input();
  /// AsyncCalls::flush once while calls are open and no input goes in: false
  /// when it threw (the run is failing).
  bool flush_calls();
  /// Cancels every open call: their messages are abandoned.
  void abandon_calls();

  // --trace (instance_trace.cpp): called only while InstanceHost::tracer() is set.
  [[nodiscard]] Tracer::Role trace_role() const noexcept;
  /// The span of a turn (t0..t1): what it took and emitted since the last
  /// traced turn, and what it dropped.
  void trace_turn(Tracer& tracer, std::int64_t t0, std::int64_t t1);
  /// Hops of the sampled messages just taken into in_, unless the loop that
  /// processes them records each as it goes (hops_in_loop()).
  void trace_taken(Tracer& tracer);
  /// A plain stage's loop reads every message anyway: it records a sampled
  /// one's hop there, rather than in a pass of its own over the batch. (A
  /// fused chain's loop does not: a test per message, traced or not, costs
  /// its five cheap stages more than the pass costs a traced run.)
  [[nodiscard]] bool hops_in_loop() const noexcept { return stage_ && !resilient() && !fused(); }
  /// The tracer, when it samples flows: the loops test this once per batch.
  [[nodiscard]] Tracer* sampling_tracer() const noexcept;
  /// The hop of `m`, which is sampled (and of the stages fused after this one).
  void trace_hop(Tracer& tracer, const Message& m);
  /// A source: before produce(), where its new messages will start; after, their hops.
  void mark_emitted();
  void trace_emitted(Tracer& tracer);
  void trace_retry(std::uint64_t trace_id, std::int64_t next_attempt, Nanos delay);
  void trace_breaker(const CircuitBreaker::Transition& t);
  void trace_timer_wake();
  struct TraceMarks {
    std::uint64_t in{0}, out{0}, dropped{0};  ///< counters at the end of the last traced turn
    std::vector<std::size_t> emitted;         ///< a source's batch sizes before produce()
  };

  InstanceHost& rt_;
  NodeRuntime& node_;
  const std::size_t index_;
  std::atomic<int> state_{idle};

  std::unique_ptr<Source> source_;
  std::unique_ptr<Stage> stage_;
  std::unique_ptr<Sink> sink_;

  Phase phase_{Phase::opening};
  OutputBuffer out_;  ///< own output, or scratch for a Sequencer
  Emitter emitter_;
  InputIntake intake_;   ///< where the next batch comes from, and how big it is
  Admission admission_;  ///< rest_.front() may hold a token or breaker permit here
  RetryQueue retries_;   ///< messages waiting out a retry's backoff
  std::vector<Message> in_;
  std::vector<Message> rest_;              ///< taken, held back by a rate limit or semaphore
  std::vector<AttemptState> in_states_;    ///< resilient stages: per message of in_
  std::vector<AttemptState> rest_states_;  ///< and of rest_
  std::size_t dead_letter_port_{Emitter::kNoPort};
  std::uint64_t ticket_{0};
  bool source_done_{false};
  bool stop_requested_{false};
  bool inputs_detached_{false};
  WakeTimer timer_;  ///< for the stage, a rate-limit token and the next retry
  std::int64_t attempt_{1};
  Nanos attempt_deadline_{Context::kNoDeadline};
  Nanos message_deadline_{Context::kNoDeadline};  ///< of the message being processed
  bool deadlines_{false};                         ///< InstanceHost::deadlines(), read once
  builtins::SplitMix64 jitter_;
  std::optional<builtins::TraceIds> trace_ids_;  ///< a source's, made when first needed
  std::int64_t blocked_since_{0};
  Channel* blocked_on_{nullptr};
  InstanceCounters counters_;
  /// The stage has asked Context::cancelled(), or it blocks: its calls are marked.
  mutable std::atomic<bool> watches_cancel_{false};
  /// Where the stage stood when it first asked, inside a call not marked.
  mutable std::optional<CallMark> first_ask_;
  std::vector<std::unique_ptr<FusedStage>> fused_;
  AsyncCalls* async_{nullptr};
  std::shared_ptr<AsyncInbox> inbox_;
  std::vector<Flight> flights_;  ///< in start order
  std::vector<std::shared_ptr<CallState>> completed_;
  bool calls_flushed_{false};     ///< async_->flush ran since the last start
  Flight* relaunching_{nullptr};  ///< an ordered call's retry, started in its place
  bool woken_{false};             ///< Context::waker was called: on_timer runs
  bool restarting_{false};        ///< waiting for restart_due_ to reopen or rebuild
  Nanos restart_due_{0};
  std::int64_t restarts_{0};
  bool produce_waits_{false};  ///< a source's retry: produce() again at produce_due_
  Nanos produce_due_{0};
  std::int64_t produce_attempt_{1};
  Nanos produce_previous_delay_{0};
  std::vector<Message> head_stray_;
  Emitter head_emitter_;  ///< this stage's own, when stages are fused after it
  std::vector<FusedStep> steps_;
  TraceMarks traced_;
};

}  // namespace sluice::detail
