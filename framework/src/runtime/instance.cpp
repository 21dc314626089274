#include "runtime/instance.hpp"

#include <algorithm>
#include <cassert>
#include <exception>
#include <mutex>
#include <utility>

#include "expr/runtime_errors.hpp"
#include "runtime/ack_abandon_scope.hpp"
#include "runtime/caught.hpp"
#include "runtime/fused_stage.hpp"
#include "runtime/instance_host.hpp"

namespace sluice::detail {
namespace {

/// Turns one task runs before it re-queues itself, so that many busy stages
/// share the arena fairly while a task still amortises its scheduling.
constexpr int kTurnsPerTask = 8;

/// How long a task runs on while an instance it woke waits in its thread's
/// LIFO slot, where no other thread can take it. Past this it re-queues
/// itself, so the woken one runs now: a source whose edge the workers just
/// drained, a sink they just filled. Eight cheap turns (a chain of maps:
/// microseconds) stay well under it, so they keep their batches on one core;
/// a worker of 1 us messages (a turn of 64 to 256 us) lets the source in
/// after its turn instead of after eight, while 15 other workers run dry.
constexpr Nanos kSlotWait = 50'000;

std::int64_t steady_now() noexcept { return SteadyClock::instance().now(); }

}  // namespace

Instance::Instance(InstanceHost& rt, NodeRuntime& node, std::size_t index)
    : rt_(rt),
      node_(node),
      index_(index),
      out_(node.node->ports.size()),
      emitter_(out_.ports(), &node.node->ports),
      intake_(node.inputs,
              BatchSizer(node.node->options.batch != 0 ? node.node->options.batch : rt.batch(),
                         node.node->options.workers > 1),
              node.node->options.interleave_inputs),
      admission_(node.node->options.rate_limit.get(), node.node->options.semaphore.get(),
                 node.node->options.circuit_breaker.get(), rt.clock(), this),
      timer_(rt.timers(), this),
      deadlines_(rt.deadlines()),
      jitter_(node.node->options.retry.seed ^ (0x9e3779b97f4a7c15ULL * (index + 1))),
      inbox_(std::make_shared<AsyncInbox>(this)),
      head_emitter_(&head_stray_, &node.node->ports) {
  if (!node_.sequencer) {
    for (const OutEdgeRef& e : node_.outputs) out_.add_edge(e.port, e.channel);
  }
  const auto& ports = node.node->ports;
  if (const auto it = std::find(ports.begin(), ports.end(), "dead_letter"); it != ports.end()) {
    dead_letter_port_ = static_cast<std::size_t>(it - ports.begin());
  }
  out_.set_side_ports(ports);
  for (NodeRuntime* member : node_.fused)
    fused_.push_back(std::make_unique<FusedStage>(
        rt, *member, index, std::max<std::size_t>(1, node.node->options.workers)));
  for (const OutEdgeRef& e : node_.outputs) e.channel->add_producer();
  for (Channel* in : node_.inputs) in->add_consumer(this);
  in_.reserve(intake_.sizer().max());
  // A blocking call may well return early at a cancel: marked from the first.
  watches_cancel_.store(blocking(), std::memory_order_relaxed);
}

Instance::~Instance() { inbox_->detach(); }

bool Instance::blocking() const noexcept { return node_.node->options.blocking; }

std::string_view Instance::stage_name() const noexcept { return node_.node->name; }
std::size_t Instance::instances() const noexcept { return node_.instances.size(); }
const Clock& Instance::clock() const noexcept { return rt_.clock(); }
bool Instance::cancelled() const noexcept {
  // Asked from inside a call (the stage's thread): from now on its calls are marked.
  if (!watches_cancel_.load(std::memory_order_relaxed) &&
      !watches_cancel_.exchange(true, std::memory_order_relaxed)) {
    first_ask_ = call_mark();
  }
  return rt_.cancelled() ||
         (attempt_deadline_ != kNoDeadline && rt_.clock().now() >= attempt_deadline_);
}

void Instance::wake_at(Nanos deadline) { timer_.stage_wants(deadline); }

void Instance::on_deadline(Nanos deadline) noexcept {
  if (!timer_.fire(deadline)) return;
  trace_timer_wake();
  notify();
}

void Instance::log(LogLevel level, std::string_view message) {
  rt_.log(level, stage_name(), message);
}

void Instance::add_counter(std::string_view name, std::uint64_t n) { node_.add_counter(name, n); }

void Instance::wake(bool anywhere) noexcept {
  int s = state_.load(std::memory_order_acquire);
  for (;;) {
    if (s == idle) {
      if (state_.compare_exchange_weak(s, scheduled, std::memory_order_acq_rel)) {
        if (anywhere) {
          rt_.dispatch_anywhere(this);
        } else {
          rt_.dispatch(this);
        }
        return;
      }
    } else if (s == running) {
      if (state_.compare_exchange_weak(s, notified, std::memory_order_acq_rel)) return;
    } else {
      return;  // already queued, already told, or done
    }
  }
}

void Instance::run() noexcept {
  const expr::ErrorScope expression_errors(*this);  // counted and logged as this stage's
  state_.store(running, std::memory_order_release);
  const std::int64_t start = steady_now();
  for (int turns = 1;; ++turns) {
    const std::int64_t t0 = turns == 1 ? start : steady_now();
    const Next next = turn();
    const std::int64_t t1 = steady_now();
    bump(counters_.busy_ns, t1 - t0);
    if (Tracer* tracer = rt_.tracer()) [[unlikely]] {
      trace_turn(*tracer, t0, t1);
    }
    if (next == Next::finished) {
      state_.store(done, std::memory_order_release);
      rt_.instance_finished();
      break;
    }
    if (next == Next::yield) {
      if (turns < kTurnsPerTask && (t1 - start < kSlotWait || !rt_.slot_waiting())) continue;
      state_.store(scheduled, std::memory_order_release);
      rt_.dispatch(this, /*yielding=*/true);
      break;
    }
    int expected = running;
    if (state_.compare_exchange_strong(expected, idle, std::memory_order_acq_rel)) break;
    state_.store(running, std::memory_order_release);  // notified while running: go again
  }
  rt_.task_done();
}

Instance::Next Instance::turn() {
  if (rt_.cancelled()) return finish(true);
  if (restarting_) {
    if (const auto next = await_restart()) return *next;
  }
  if (phase_ == Phase::opening) {
    try {
      const Node& n = *node_.node;
      if (n.make_source) {
        if (!source_) source_ = n.make_source();  // a restart reopens the same one
        source_->open(*this);
      } else if (n.make_stage) {
        stage_ = n.make_stage();
        stage_->open(*this);
        async_ = stage_->async();
        if (!node_.fused.empty() && !open_fused()) return finish(true);
      } else {
        sink_ = n.make_sink();
        sink_->open(*this);
        async_ = sink_->async();
      }
      // An async stage's calls are not marked (they settle as results), and
      // they may ask from threads of their own: nothing to record there.
      if (async_) watches_cancel_.store(true, std::memory_order_relaxed);
      if (async_ && node_.sequencer) {
        fail("an ordered async stage runs with workers = 1 (max_in_flight gives its concurrency)",
             std::nullopt);
        return finish(true);
      }
      if (async_ && node_.node->options.on_error == OnError::restart) {
        fail(
            "on_error = restart applies to synchronous stages and sinks; an async stage's calls "
            "fail one by one (retry, circuit_breaker)",
            std::nullopt);
        return finish(true);
      }
    } catch (...) {
      return open_failed(caught());
    }
    phase_ = Phase::running;
  }
  if (!flush()) return Next::park;
  if (phase_ == Phase::closing) return turn_closing();
  if (source_) return turn_source();
  return async_ ? turn_async() : turn_consumer();
}

OutputBuffer::FlushResult Instance::flush_outputs() {
  if (node_.sequencer) return node_.sequencer->flush(this);
  return out_.flush(this);
}

void Instance::account(const OutputBuffer::FlushResult& r) noexcept {
  if (r.delivered) bump(out_counters().out, r.delivered);
  if (r.unconnected) bump(counters_.dropped, r.unconnected);
}

std::uint64_t Instance::take_ticket() {
  std::lock_guard lock(node_.sequencer->intake());
  return node_.sequencer->next_ticket();
}

void Instance::submit_ordered(std::uint64_t ticket) {
  account(node_.sequencer->submit(ticket, out_.batches(), this));
}

bool Instance::flush() {
  const auto r = flush_outputs();
  account(r);
  if (!r.done) {
    if (blocked_since_ == 0) {
      blocked_since_ = steady_now();
      blocked_on_ = r.blocked_on;
    }
    return false;
  }
  if (blocked_since_ != 0) {
    const std::int64_t waited = steady_now() - blocked_since_;
    bump(counters_.blocked_ns, waited);
    if (blocked_on_) blocked_on_->add_blocked_ns(waited);
    blocked_since_ = 0;
    blocked_on_ = nullptr;
  }
  const bool dead = node_.sequencer ? node_.sequencer->output().all_dead() : out_.all_dead();
  // Nobody reads what this stage would make. (What a sink diverts is no
  // reason to stop writing.)
  if (dead && !sink_) stop_requested_ = true;
  return true;
}

Instance::Next Instance::turn_source() {
  // A source waiting for input (stdin) learns here that nobody reads it any
  // more (`take` has enough): it pushes nothing that would tell it.
  if (out_.all_dead_now()) stop_requested_ = true;
  if (source_done_ || stop_requested_ || rt_.stopping()) return begin_close();
  if (produce_waits_) {  // a retry's backoff
    if (rt_.clock().now() < produce_due_) {
      timer_.arm(produce_due_);
      return Next::park;
    }
    produce_waits_ = false;
  }
  timer_.forget_fired();
  timer_.clear_stage_due();  // produce() asks again if it must wait
  SourceStatus status = SourceStatus::done;
  Tracer* const tracer = rt_.tracer();
  if (tracer) [[unlikely]] {
    mark_emitted();
  }
  try {
    status = source_->produce(emitter_, *this, intake_.sizer().max());
    produce_attempt_ = 1;
    produce_previous_delay_ = 0;
  } catch (...) {
    return source_failed(caught());
  }
  stamp_source_output();  // before the hops: a message it gave no trace id gets one here
  if (tracer) [[unlikely]] {
    trace_emitted(*tracer);
  }
  if (status == SourceStatus::done) source_done_ = true;
  if (!flush()) return Next::park;
  switch (status) {
    case SourceStatus::more:
      return Next::yield;
    case SourceStatus::wait:
      return Next::park;
    case SourceStatus::done:
      break;
  }
  return begin_close();
}

Instance::Next Instance::turn_consumer() {
  if (stop_requested_) {
    if (!rest_.empty()) {
      // What a rate limit or semaphore held back is never processed: the
      // stage stopped early, as for the rest of a batch (process_taken). An
      // ordered stage hands over what the batch made before it.
      bump(counters_.filtered, rest_.size());
      rest_.clear();
      rest_states_.clear();
      admission_.release_permit();
      if (node_.sequencer) submit_ordered(ticket_);
    }
    return begin_close();
  }
  if (const auto next = fire_timer()) return *next;
  if (!rest_.empty()) {  // what a rate limit or semaphore held back goes first
    in_.swap(rest_);
    in_states_.swap(rest_states_);
    rest_.clear();
    rest_states_.clear();
    process_input();
    if (rt_.cancelled()) return finish(true);
    if (!flush() || !rest_.empty()) return Next::park;
    return Next::yield;
  }
  if (take_due_retries()) {  // then the retries whose backoff is over
    admission_.note_taken();
    process_input();
    if (rt_.cancelled()) return finish(true);
    if (!flush() || !rest_.empty()) return Next::park;
    return Next::yield;
  }
  // Held at the limit: a timer (delay) or room on the outputs (priority) wakes it.
  if (stage_ && stage_->held() >= node_.hold_limit) return release_instead();
  if (retries_.size() >= node_.hold_limit) return Next::park;  // the next retry's timer wakes it
  if (node_.sequencer && !node_.sequencer->has_room(this)) return Next::park;
  const auto& opts = node_.node->options;
  // No permit, no point taking input. (With a rate limit the permit comes
  // after the token, so that no permit is held while waiting for one.)
  if (opts.semaphore && !opts.rate_limit && !admission_.acquire_permit()) return release_instead();
  if (take_input() == 0) {
    admission_.release_permit();
    if (stop_requested_) return Next::yield;  // asked by input_ended: closes next turn
    if (intake_.any_open()) {
      // Registered as waiting on every open input it popped. One it declined
      // (a full lane) was not popped: had its producer filled the edge,
      // nobody would wake this instance. If the release made room, go on.
      const Next next = release_instead();
      return next == Next::park && intake_.declined_now_accepted(stage_.get()) ? Next::yield : next;
    }
    if (!retries_.empty()) return Next::park;  // retries still to come
    return begin_close();
  }
  admission_.note_taken();
  process_input();
  if (rt_.cancelled()) return finish(true);
  take_more();
  if (rt_.cancelled()) return finish(true);
  release_held();
  if (!flush() || !rest_.empty()) return Next::park;
  return Next::yield;
}

Instance::Next Instance::release_instead() {
  if (!stage_ || stage_->held() == 0) return Next::park;
  const bool more = release_held();
  if (!flush()) return Next::park;
  return more ? Next::yield : Next::park;
}

void Instance::take_more() {
  if (!stage_ || node_.sequencer || fused()) return;
  const auto& opts = node_.node->options;
  if (opts.rate_limit) return;  // what it holds back waits in rest_
  // A stage that holds messages picks among them when it releases (priority):
  // it must see what waits on every input first, or the input it took last
  // would decide what goes out. So one more batch per input (with one input,
  // a second batch: a lane fills up beyond what one release takes).
  for (std::size_t i = 0; i < node_.inputs.size(); ++i) {
    if (!rest_.empty() || stop_requested_ || rt_.cancelled()) return;
    const std::size_t held = stage_->held();
    if (held == 0 || held >= node_.hold_limit) return;
    if (opts.semaphore && !admission_.acquire_permit()) return;
    if (take_input() == 0) {
      admission_.release_permit();
      return;
    }
    process_input();
  }
}

bool Instance::release_held() {
  if (!stage_ || node_.sequencer) return false;
  // While the inputs are open: one release per turn, after the turn's input,
  // so that a stage that picks (priority) picks among everything waiting and
  // no lane runs dry while its input still has messages. Once they have
  // ended: until the stage has nothing left to give or the outputs are full.
  // A full output records this instance, so freed room wakes it again.
  const bool once = phase_ == Phase::running;
  while (stage_->held() > 0 && !rt_.cancelled()) {
    const std::size_t room = out_.room(this);
    if (room == 0) return false;
    const std::size_t before = stage_->held();
    try {
      stage_->release(emitter_, *this, room);
    } catch (...) {
      fail(caught().what, std::nullopt);
      return false;
    }
    if (!flush() || stage_->held() == before) return false;  // blocked, or it holds on (delay)
    if (once) return stage_->held() > 0;                     // more may go next turn
  }
  return false;
}

std::size_t Instance::take_input() {
  in_.clear();
  std::unique_lock<std::mutex> intake;
  if (node_.sequencer) intake = std::unique_lock(node_.sequencer->intake());
  std::size_t n = 0;
  if (intake_.interleaving()) {
    std::size_t budget = intake_.sizer().next();
    if (!node_.sequencer) {
      // No more than the outputs take now: what stays queued is interleaved
      // with what arrives meanwhile (see InputIntake).
      budget = std::min(budget, out_.room(this));
      if (budget == 0) return 0;  // the room that frees up wakes this instance
    }
    n = intake_.take_interleaved(in_, budget, this);
  } else {
    n = intake_.take(in_, this, stage_.get());
  }
  if (n > 0) {
    if (node_.sequencer) ticket_ = node_.sequencer->next_ticket();
    bump(counters_.in, n);
    if (Tracer* tracer = rt_.tracer()) [[unlikely]] {
      trace_taken(*tracer);
    }
  }
  if (intake_.any_just_ended() && stage_ && node_.inputs.size() > 1) {
    for (const std::size_t input : intake_.take_ended()) {
      try {
        stage_->input_ended(input, emitter_, *this);
      } catch (...) {
        fail(caught().what, std::nullopt);
      }
    }
  }
  return n;
}

void Instance::fail(std::string what, const std::optional<MessageId>& message) {
  rt_.report_error(stage_name(), message, std::move(what));
}

Instance::Next Instance::begin_close() {
  if (!inputs_detached_) {
    inputs_detached_ = true;
    for (Channel* in : node_.inputs) in->detach_consumer();
  }
  if (fused()) {
    if (!close_fused()) return finish(true);
  }
  try {
    if (stage_ && !fused()) stage_->close(emitter_, *this);
    if (source_) source_->close(*this);
    if (sink_) sink_->close(*this);
  } catch (...) {
    fail(caught().what, std::nullopt);
    return finish(true);
  }
  if (node_.sequencer) submit_ordered(take_ticket());
  phase_ = Phase::closing;
  if (!flush()) return Next::park;
  return turn_closing();
}

std::optional<Instance::Next> Instance::fire_timer() {
  if (!stage_) return std::nullopt;
  if (!async_) woken_ = inbox_->take(completed_) || woken_;
  const bool woken = std::exchange(woken_, false);
  if (!timer_.take_fired() && !woken) return std::nullopt;
  // One timer serves the stage and the parked retries: run on_timer only
  // when the stage's own time has come (or Context::waker was called), and
  // keep its later time armed.
  if (!woken && timer_.stage_due() > rt_.clock().now()) {
    if (timer_.stage_due() != kNoDeadline) timer_.arm(timer_.stage_due());
    return std::nullopt;
  }
  timer_.clear_stage_due();
  try {
    stage_->on_timer(emitter_, *this);
  } catch (...) {
    fail(caught().what, std::nullopt);
    return finish(true);
  }
  if (node_.sequencer) submit_ordered(take_ticket());
  if (!flush()) return Next::park;
  return std::nullopt;
}

Instance::Next Instance::turn_closing() {
  // close() has run; what the stage still holds (a delay's messages) goes
  // out as its timers come, and only then do the outputs close.
  if (const auto next = fire_timer()) return *next;
  release_held();
  if (!flush()) return Next::park;
  if (stage_ && stage_->held() > 0) return Next::park;
  return finish(false);
}

Instance::Next Instance::finish(bool abandon) {
  // What is dropped here was not finished: its sources are told (ack.hpp).
  const AckAbandonScope lost_here;
  if (!retries_.empty()) bump(counters_.abandoned, retries_.clear());  // cut short by a stop
  abandon_calls();                                                     // open calls too
  admission_.release_breaker();
  if (abandon) {
    admission_.release_permit();
    // Emitted: lost on the edges, and counted there. An ordered stage's own
    // buffer is scratch: its edges are the Sequencer's.
    account(node_.sequencer ? node_.sequencer->discard(out_.batches()) : out_.abandon_pending());
    std::uint64_t lost = in_.size() + rest_.size();
    if (stage_) lost += stage_->held();
    bump(counters_.abandoned, lost);
    in_.clear();
    rest_.clear();
    if (stage_ && stage_->held() > 0) stage_.reset();  // its held messages, inside the scope
    if (sink_ && phase_ == Phase::running) {
      try {
        sink_->close(*this);  // keep what was written so far
      } catch (...) {
        // the run has already failed or been cancelled; nothing to add
      }
    }
  }
  if (node_.sequencer) {
    while (!node_.sequencer->retire(this)) {
      if (!flush()) return Next::park;
    }
  }
  if (!inputs_detached_) {
    inputs_detached_ = true;
    for (Channel* in : node_.inputs) in->detach_consumer();
  }
  for (const OutEdgeRef& e : node_.outputs) e.channel->close_producer();
  phase_ = Phase::finished;
  return Next::finished;
}

}  // namespace sluice::detail
