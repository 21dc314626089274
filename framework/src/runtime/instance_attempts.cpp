// How an instance runs a stage under retry, circuit breaker and timeout,
// and a sink too: a sink under any of them, or with on_error other
// than fail, is handed one message per call. Per message, outer to inner:
// retry -> breaker permission -> rate-limit token -> semaphore permit -> the
// call under its time limit.
//
// An attempt works on a copy of the message, so a failed attempt can be made
// again or dead-lettered with the original; what it emitted is rolled back.
// A message waiting for its next attempt is parked on the instance's timer
// (its RetryQueue) while other messages flow past it; an ordered stage
// instead waits for it in line, so that its output keeps the input order.
#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <span>
#include <string>

#include "runtime/ack_abandon_scope.hpp"
#include "runtime/caught.hpp"
#include "runtime/instance.hpp"
#include "runtime/instance_host.hpp"
#include "sluice/errors.hpp"

namespace sluice::detail {
namespace {

/// Final failures logged per stage before the rest are only counted.
constexpr std::uint64_t kLoggedFailures = 10;

std::string seconds_text(Nanos ns) { return fmt::format("{:g}s", to_seconds(ns)); }

}  // namespace

bool Instance::resilient() const noexcept {
  const NodeOptions& o = node_.node->options;
  return o.retry.max_attempts > 1 || o.circuit_breaker || o.timeout > 0 || async_ != nullptr;
}

void Instance::process_attempts() {
  const std::size_t n = in_.size();
  std::size_t i = 0;
  for (; i < n && !stop_requested_; ++i) {
    if (rt_.cancel_seen()) {  // the rest is abandoned by the next turn, not tried first
      keep_rest(i);
      break;
    }
    AttemptState st = in_states_.empty() ? AttemptState{} : in_states_[i];
    const Step step = attempt(in_[i], st);
    if (step == Step::wait) {
      if (in_states_.empty()) in_states_.resize(n);
      in_states_[i] = st;
      keep_rest(i);  // taken already: resumed before any new input
      break;
    }
    if (restarting_) {  // the rest is for the rebuilt stage or sink
      if (++i < n) keep_rest(i);
      break;
    }
    if (step == Step::fatal) {
      bump(counters_.abandoned, n - i);  // this message and the rest of the batch
      const AckAbandonScope lost_here;   // their sources are told (ack.hpp)
      in_.clear();
      in_states_.clear();
      return;
    }
  }
  if (rest_.empty() && i < n) bump(counters_.filtered, n - i);  // the stage stopped early
  in_.clear();
  in_states_.clear();
  // An ordered stage hands over a batch only whole, under the number it was taken with.
  if (node_.sequencer && rest_.empty()) submit_ordered(ticket_);
}

Instance::Step Instance::attempt(Message& m, AttemptState& st) {
  const NodeOptions& o = node_.node->options;
  const Clock& clock = rt_.clock();
  if (async_ && !relaunching_ && flights_.size() >= o.max_in_flight) return Step::wait;  // room
  if (st.due > clock.now()) {  // an ordered stage's retry, waiting in line
    timer_.arm(st.due);
    return Step::wait;
  }
  CircuitBreaker* breaker = o.circuit_breaker.get();
  if (breaker) {
    std::optional<CircuitBreaker::Transition> changed;
    const bool admitted = admission_.enter_breaker(&changed);
    if (changed) log_transition(*changed);
    if (!admitted) {  // never retried, costs no token
      reject(m, st.attempt - 1);
      return Step::done;
    }
  }
  if (o.rate_limit || o.semaphore) {
    const Gate gate = admit();
    if (gate == Gate::wait) return Step::wait;  // keeps the breaker's permit
    if (gate == Gate::skip) {
      admission_.release_breaker();
      return Step::done;
    }
  }
  if (st.attempt == 1 && node_.retry_budget) node_.retry_budget->on_call();
  if (async_) return start_call(m, st);

  // The call. A copy is tried when the original may be needed afterwards.
  const bool keep_original = o.retry.max_attempts > st.attempt || dead_letters(o.on_error);
  const AckRef ack = m.ack;  // the stage may consume m: its source must hear of a failure
  Message copy;
  if (keep_original) copy = m;
  Message& given = keep_original ? copy : m;
  const Emitter::Mark mark = emitter_.mark();
  const std::optional<CallMark> before = mark_call();
  const Nanos start = clock.now();
  attempt_ = st.attempt;
  attempt_deadline_ = o.timeout > 0 ? saturating_add(start, o.timeout) : kNoDeadline;
  track_deadline(given);
  std::string error;
  bool transient = false;
  const std::uint64_t skipped = counters_.skipped();
  try {
    if (sink_) {
      sink_->consume(std::span<Message>(&given, 1), *this);
    } else {
      stage_->process(std::move(given), emitter_, *this);
    }
  } catch (...) {
    Caught c = caught();
    error = std::move(c.what);
    transient = c.transient;
  }
  const Nanos end = clock.now();
  if (error.empty() && attempt_deadline_ != kNoDeadline && end >= attempt_deadline_) {
    error = "timed out after " + seconds_text(o.timeout);  // its late result is discarded
    transient = true;
  }
  attempt_ = 1;
  attempt_deadline_ = kNoDeadline;
  message_deadline_ = kNoDeadline;
  admission_.release_permit();
  if (breaker) {
    std::optional<CircuitBreaker::Transition> changed;
    admission_.record_call(!error.empty(), start, end, &changed);
    if (changed) log_transition(*changed);
  }
  if (error.empty()) {
    if (sink_ && counters_.skipped() == skipped) bump(counters_.out, 1);  // written
    if (stage_ && rt_.cancel_seen()) settle_cancelled_call(before, ack);
    return Step::done;
  }

  emitter_.rollback(mark);  // a failed attempt leaks nothing downstream
  bump(counters_.errors, 1);
  const bool retryable = transient || o.retry.retry_on == RetryOn::any;
  if (!retryable || st.attempt >= o.retry.max_attempts ||
      (node_.retry_budget && !node_.retry_budget->try_retry())) {
    if (o.on_error == OnError::drop && ack) {
      ack.fail(transient ? AckOutcome::failed : AckOutcome::rejected,
               std::string(stage_name()) + ": " + error);
    }
    if (o.on_error == OnError::fail) ack.fail(AckOutcome::abandoned);
    return final_failure(m, error, st.attempt);
  }
  const double u = jitter_.uniform();
  const Nanos delay = backoff_delay(o.retry, st.attempt, u, st.previous_delay);
  bump(counters_.retries, 1);
  trace_retry(m.trace_id, st.attempt + 1, delay);
  st = AttemptState{
      .attempt = st.attempt + 1, .previous_delay = delay, .due = saturating_add(end, delay)};
  if (o.ordered) {
    timer_.arm(st.due);
    return Step::wait;
  }
  const Nanos due = st.due;
  st.due = 0;  // parked: due when the heap gives it back
  retries_.park(due, st, std::move(m));
  timer_.arm(due);
  return Step::done;
}

Instance::Step Instance::final_failure(Message& m, const std::string& what, std::int64_t attempts) {
  switch (node_.node->options.on_error) {
    case OnError::fail:
      log_failure(m.seq, m.trace_id, what, attempts, "the pipeline stops");
      fail(what, MessageId{m.seq, m.trace_id});
      return Step::fatal;
    case OnError::drop:
      log_failure(m.seq, m.trace_id, what, attempts, "dropped");
      bump(counters_.dropped, 1);
      return Step::done;
    case OnError::dead_letter:
    case OnError::restart:
      break;
  }
  const bool restart = node_.node->options.on_error == OnError::restart;
  const MessageId id{m.seq, m.trace_id};
  log_failure(id.seq, id.trace_id, what, attempts,
              restart ? "sent to dead_letter; the stage restarts" : "sent to dead_letter");
  m.attrs.set("error", what);
  m.attrs.set("stage", std::string(stage_name()));
  m.attrs.set("attempts", std::to_string(attempts));
  m.deadline_ns = 0;  // handled: the dead-letter path has no deadline
  bump(counters_.dead_letter, 1);
  emitter_.emit(dead_letter_port_, std::move(m));
  if (restart) restart_later(what, id);  // false: the run fails, and the batch stops there
  return Step::done;
}

void Instance::reject(Message& m, std::int64_t attempts) {
  bump(counters_.rejected, 1);
  const std::size_t port = emitter_.port("rejected");
  if (port == Emitter::kNoPort) {  // nothing wired: counted, dropped; its source tries later
    m.ack.fail(AckOutcome::failed);
    return;
  }
  const CircuitBreaker& b = *node_.node->options.circuit_breaker;
  m.attrs.set("error", "circuit breaker '" + b.name() + "' is open");
  m.attrs.set("stage", std::string(stage_name()));
  m.attrs.set("attempts", std::to_string(attempts));
  m.deadline_ns = 0;
  emitter_.emit(port, std::move(m));
}

bool Instance::take_due_retries() {
  if (retries_.empty()) return false;
  const Nanos now = rt_.clock().now();
  in_.clear();
  in_states_.clear();
  retries_.take_due(now, intake_.sizer().next(), in_, in_states_);
  if (!retries_.empty()) timer_.arm(retries_.next_due());
  return !in_.empty();
}

void Instance::log_failure(std::uint64_t seq, std::uint64_t trace_id, const std::string& what,
                           std::int64_t attempts, const char* outcome) {
  const std::uint64_t n = node_.failures_logged.fetch_add(1, std::memory_order_relaxed);
  if (n < kLoggedFailures) {
    log(LogLevel::warn,
        fmt::format("message seq {} failed after {} attempt{}: {}; {} (trace_id {})", seq, attempts,
                    attempts == 1 ? "" : "s", what, outcome, trace_id));
  } else if (n == kLoggedFailures) {
    log(LogLevel::warn, "further failures are counted in the stats, not logged");
  }
}

void Instance::log_transition(const CircuitBreaker::Transition& t) {
  trace_breaker(t);
  const CircuitBreaker& b = *node_.node->options.circuit_breaker;
  std::string why;
  if (t.to == CircuitBreaker::State::open) {
    why = fmt::format(": failure rate {:g}% over {} calls; rejecting for {}", t.failure_rate * 100,
                      t.calls, seconds_text(b.config().open_for));
  } else if (t.to == CircuitBreaker::State::half_open) {
    why = fmt::format(": letting {} probe calls through", b.config().half_open_calls);
  }
  log(t.to == CircuitBreaker::State::open ? LogLevel::warn : LogLevel::info,
      fmt::format("circuit breaker '{}' {} -> {}{}", b.name(), to_string(t.from), to_string(t.to),
                  why));
}

}  // namespace sluice::detail
