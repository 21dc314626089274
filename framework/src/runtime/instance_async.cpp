// How an instance runs an async stage or sink (sluice/async.hpp): each
// message's attempt starts a call (attempt() admits it under the breaker,
// rate limit and semaphore as for a synchronous call) and the instance moves
// on; up to `max_in_flight` calls are open at once, and more input waits.
// A completion, from any thread, posts the call to the instance's inbox and
// wakes it; the next turn settles it: emits what it made, or retries it
// after its backoff, or sends it to on_error. A call past its `timeout` is
// cancelled through its handle and fails as transient; its late result is
// dropped. With `ordered`, results go out in start order (one instance).
#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "runtime/ack_abandon_scope.hpp"
#include "runtime/caught.hpp"
#include "runtime/instance.hpp"
#include "runtime/instance_host.hpp"

namespace sluice::detail {

std::function<void()> Instance::waker() {
  return [inbox = inbox_] { inbox->wake(); };
}

Instance::Next Instance::turn_async() {
  if (!settle_calls()) return finish(true);
  if (const auto next = fire_timer()) return *next;
  if (!flush()) return Next::park;
  if (stop_requested_) {
    if (!rest_.empty()) {  // taken, never started: the stage stopped early
      bump(counters_.filtered, rest_.size());
      rest_.clear();
      rest_states_.clear();
      admission_.release_permit();
    }
    if (!flights_.empty()) return flush_calls() ? Next::park : finish(true);  // they finish first
    return begin_close();
  }
  if (!rest_.empty()) {  // waiting for room, a token or a permit: first in line
    in_.swap(rest_);
    in_states_.swap(rest_states_);
    rest_.clear();
    rest_states_.clear();
    process_input();
    return after_input();
  }
  if (flights_.size() < node_.node->options.max_in_flight && take_due_retries()) {
    admission_.note_taken();
    process_input();
    return after_input();
  }
  if (flights_.size() >= node_.node->options.max_in_flight) {
    // A completion wakes it; a sink that gathers its calls into one request
    // must send them first, or nothing would complete.
    return flush_calls() ? Next::park : finish(true);
  }
  if (take_input() == 0) {
    if (!flights_.empty() || !retries_.empty()) return flush_calls() ? Next::park : finish(true);
    if (intake_.any_open()) return Next::park;
    return begin_close();
  }
  admission_.note_taken();
  process_input();
  return after_input();
}

Instance::Next Instance::after_input() {
  if (rt_.cancelled()) return finish(true);
  if (!flush()) return Next::park;
  // Held back (no room for another call, a token, a permit): a completion or
  // a timer wakes it; calls gathered into one request must go first.
  if (!rest_.empty()) return flush_calls() ? Next::park : finish(true);
  return Next::yield;
}

bool Instance::flush_calls() {
  if (calls_flushed_ || flights_.empty()) return true;
  calls_flushed_ = true;
  try {
    async_->flush(*this);
  } catch (...) {
    fail(caught().what, std::nullopt);
    return false;
  }
  return true;
}

Instance::Step Instance::start_call(Message& m, const AttemptState& st) {
  const NodeOptions& o = node_.node->options;
  Flight* f = relaunching_;
  if (f == nullptr) {
    f = &flights_.emplace_back();
    f->seq = m.seq;
    f->trace_id = m.trace_id;
    f->ack = m.ack;
  }
  f->st = st;
  f->st.due = 0;
  f->kept = o.retry.max_attempts > st.attempt || dead_letters(o.on_error);
  if (relaunching_ == nullptr && f->kept) f->original = m;  // m is relaunch's own copy
  if (!f->kept) f->original = Message{};
  launch(*f, std::move(m));
  return Step::done;
}

void Instance::launch(Flight& f, Message given) {
  const NodeOptions& o = node_.node->options;
  f.start = rt_.clock().now();
  f.deadline = o.timeout > 0 ? saturating_add(f.start, o.timeout) : kNoDeadline;
  if (given.deadline_ns != 0) f.deadline = std::min(f.deadline, given.deadline_ns);
  f.breaker = admission_.hand_over_breaker();
  f.permit = o.semaphore && admission_.hand_over_permit();
  f.call = std::make_shared<CallState>(inbox_, f.st.attempt, f.deadline);
  calls_flushed_ = false;
  attempt_ = f.st.attempt;
  attempt_deadline_ = f.deadline;
  const std::shared_ptr<CallState> call = f.call;  // f may move when start() completes it
  try {
    async_->start(std::move(given), Call(call), *this);
  } catch (...) {
    Caught c = caught();
    call->fail_at_start(std::move(c.what), c.transient);
  }
  attempt_ = 1;
  attempt_deadline_ = kNoDeadline;
  if (f.deadline != kNoDeadline) timer_.arm(f.deadline);
}

bool Instance::settle_calls() {
  woken_ = inbox_->take(completed_) || woken_;
  for (const std::shared_ptr<CallState>& c : completed_) {
    const auto it = std::find_if(flights_.begin(), flights_.end(),
                                 [&](const Flight& f) { return f.call == c; });
    if (it == flights_.end()) continue;  // the late result of a call that timed out
    if (!settle(*it, c.get())) {
      completed_.clear();
      return false;
    }
    if (it->settled && !node_.node->options.ordered) emit_results(*it);  // in completion order
  }
  completed_.clear();

  const NodeOptions& o = node_.node->options;
  const Nanos now = rt_.clock().now();
  Nanos next = kNoDeadline;
  for (std::size_t i = 0; i < flights_.size(); ++i) {
    if (flights_[i].settled) continue;
    if (flights_[i].call && flights_[i].deadline <= now) {
      flights_[i].call->cancel();  // its late result is dropped
      if (!settle(flights_[i], nullptr)) return false;
      if (flights_[i].settled) continue;
    }
    if (!flights_[i].call && flights_[i].st.due <= now) {
      // An ordered call's retry, in its place: admitted again like a first attempt.
      Message m = flights_[i].original;
      AttemptState st = flights_[i].st;
      st.due = 0;
      relaunching_ = &flights_[i];
      const Step step = attempt(m, st);
      relaunching_ = nullptr;
      if (step == Step::fatal) return false;
      if (step == Step::done && !flights_[i].call) flights_[i].settled = true;  // rejected, dropped
      if (step == Step::wait) flights_[i].st.due = now;  // a token or permit wakes it
    }
    const Flight& f = flights_[i];
    if (f.settled) continue;
    if (f.call) {
      next = std::min(next, f.deadline);
    } else if (f.st.due > now) {
      next = std::min(next, f.st.due);
    }
  }
  if (next != kNoDeadline) timer_.arm(next);

  // Emit what is settled: all of it, or with `ordered` the settled front.
  std::size_t kept = 0;
  bool in_line = true;
  for (std::size_t i = 0; i < flights_.size(); ++i) {
    Flight& f = flights_[i];
    if (f.settled && (in_line || !o.ordered)) {
      emit_results(f);
      continue;
    }
    in_line = false;
    if (kept != i) flights_[kept] = std::move(f);
    ++kept;
  }
  flights_.resize(kept);
  return true;
}

bool Instance::settle(Flight& f, CallState* call) {
  const NodeOptions& o = node_.node->options;
  const Nanos end = rt_.clock().now();
  std::string error;
  bool transient = true;
  Nanos retry_after = 0;
  if (call == nullptr && (o.timeout == 0 || f.deadline < saturating_add(f.start, o.timeout))) {
    error = "deadline exceeded";  // the message's, before the call's timeout
  } else if (call == nullptr) {
    error = fmt::format("timed out after {:g}s", to_seconds(o.timeout));
  } else if (call->result() == CallState::Result::failed) {
    error = call->error().empty() ? std::string("the call failed") : call->error();
    transient = call->transient();
    retry_after = call->retry_after();
  } else {
    f.results = call->take_outputs();
    const std::size_t ports = sink_ ? 0 : node_.node->ports.size();
    for (const auto& r : f.results) {
      if (r.first >= ports) {
        error = sink_
                    ? "an async sink emitted a message"
                    : fmt::format("the call emitted on port {}; the stage has {}", r.first, ports);
        transient = false;
        f.results.clear();
        break;
      }
    }
  }
  f.call.reset();
  if (f.permit) {
    f.permit = false;
    admission_.release_handed_permit();
  }
  if (f.breaker.admitted) {
    std::optional<CircuitBreaker::Transition> changed;
    o.circuit_breaker->record(f.breaker, !error.empty(), f.start, end, &changed);
    f.breaker = {};
    if (changed) log_transition(*changed);
  }
  if (error.empty()) {
    if (sink_) bump(counters_.out, 1);  // written
    f.settled = true;
    return true;
  }

  bump(counters_.errors, 1);
  const bool retryable = transient || o.retry.retry_on == RetryOn::any;
  if (!retryable || f.st.attempt >= o.retry.max_attempts ||
      (node_.retry_budget && !node_.retry_budget->try_retry())) {
    if (o.on_error == OnError::drop && f.ack) {
      f.ack.fail(transient ? AckOutcome::failed : AckOutcome::rejected,
                 std::string(stage_name()) + ": " + error);
    }
    if (o.on_error == OnError::fail) f.ack.fail(AckOutcome::abandoned);
    f.settled = true;
    if (!f.kept) {  // what the log names
      f.original.seq = f.seq;
      f.original.trace_id = f.trace_id;
    }
    return final_failure(f.original, error, f.st.attempt) !=
           Step::fatal;  // fatal: abandon_calls counts it
  }
  const Nanos delay = retry_after > 0 ? retry_after
                                      : backoff_delay(o.retry, f.st.attempt, jitter_.uniform(),
                                                      f.st.previous_delay);
  bump(counters_.retries, 1);
  trace_retry(f.trace_id, f.st.attempt + 1, delay);
  f.st = AttemptState{
      .attempt = f.st.attempt + 1, .previous_delay = delay, .due = saturating_add(end, delay)};
  if (o.ordered) {
    timer_.arm(f.st.due);  // retried in its place (settle_calls)
    return true;
  }
  const Nanos due = f.st.due;
  retries_.park(due, AttemptState{.attempt = f.st.attempt, .previous_delay = delay, .due = 0},
                std::move(f.original));
  timer_.arm(due);
  f.settled = true;  // its place is free: the retry is a new call
  return true;
}

void Instance::emit_results(Flight& f) {
  for (auto& [port, m] : f.results) emitter_.emit(port, std::move(m));
  f.results.clear();
}

void Instance::abandon_calls() {
  const AckAbandonScope lost_here;
  for (Flight& f : flights_) {
    if (f.call) f.call->cancel();
    bump(counters_.abandoned, 1);
    f.ack.fail(AckOutcome::abandoned);
    if (f.permit) admission_.release_handed_permit();
    if (f.breaker.admitted) node_.node->options.circuit_breaker->release(f.breaker);
  }
  flights_.clear();
  inbox_->detach();
}

}  // namespace sluice::detail
