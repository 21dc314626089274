// How an instance runs a batch it has taken through its stage or sink:
// message by message under its rate limit and semaphore (Admission), and
// what becomes of a message whose call throws under on_error = fail, drop or
// dead_letter. A sink with none of these is handed whole batches. Under
// retry, a circuit breaker or a timeout it is instance_attempts.cpp instead;
// a fused chain, instance_fused.cpp.
#include <fmt/format.h>

#include <cassert>
#include <exception>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "runtime/ack_abandon_scope.hpp"
#include "runtime/caught.hpp"
#include "runtime/instance.hpp"
#include "runtime/instance_host.hpp"
#include "sluice/errors.hpp"

namespace sluice::detail {

Instance::Gate Instance::admit() {
  const Gate gate = admission_.admit();
  if (gate == Gate::skip) {
    bump(counters_.dropped, 1);  // rate-limited (drop mode, max_wait, rate 0)
  } else if (gate == Gate::wait && admission_.waiting_for_token()) {
    // The instance's wake, not the stage's: on_timer is for what the stage asked.
    timer_.arm(admission_.token_at());
  }
  return gate;
}

void Instance::keep_rest(std::size_t from) {
  assert(rest_.empty() && "keep_rest twice in one batch would release the rest it kept as done");
  const auto at = static_cast<std::ptrdiff_t>(from);
  rest_.assign(std::make_move_iterator(in_.begin() + at), std::make_move_iterator(in_.end()));
  if (!in_states_.empty()) rest_states_.assign(in_states_.begin() + at, in_states_.end());
}

// Timed on the pipeline's clock: under a ManualClock a stage costs nothing,
// so a test's batches do not depend on how busy the machine is.
void Instance::process_input() {
  if (rt_.deadlines()) expire_overdue();  // never processed: not even timed
  if (!intake_.sizer().shared()) {        // a lone instance takes whole batches: nothing to time
    process_taken();
    return;
  }
  const std::size_t n = in_.size();
  const Nanos t0 = rt_.clock().now();
  process_taken();
  intake_.sizer().record(n, rt_.clock().now() - t0);
}

void Instance::process_taken() {
  if (sink_ && !resilient() && node_.node->options.on_error == OnError::fail) {
    consume_input();  // whole batches: nothing to retry or divert one by one
    return;
  }
  if (resilient() || sink_) {
    process_attempts();
    return;
  }
  if (fused()) {
    process_fused();
    return;
  }
  const bool gated = node_.node->options.rate_limit || node_.node->options.semaphore;
  const OnError on_error = node_.node->options.on_error;
  Tracer* const sampling = sampling_tracer();
  emitter_.begin_batch(in_);
  const std::size_t n = in_.size();
  std::size_t i = 0;
  if (!gated && on_error == OnError::fail && sampling == nullptr) {
    // The common stage, in a loop of its own: each test the general loop
    // below makes per message costs a cheap stage a tenth of its call.
    // Only one of the two loops runs: a second keep_rest would replace the
    // rest it kept with the moved-from husks, and release it as if done.
    for (; i < n && !stop_requested_; ++i) {
      if (rt_.cancel_seen()) {
        keep_rest(i);
        break;
      }
      if (!call_or_fail(in_[i], n - i)) return;
    }
  } else {
    for (; i < n && !stop_requested_; ++i) {
      if (rt_.cancel_seen()) {  // the rest is abandoned by the next turn, not processed first
        keep_rest(i);
        break;
      }
      Message& m = in_[i];
      if (gated) {
        const Gate gate = admit();
        if (gate == Gate::skip) continue;
        if (gate == Gate::wait) {
          keep_rest(i);  // taken already: resumed before any new input
          break;
        }
      }
      if (sampling != nullptr && sampling->sampled(m.trace_id)) [[unlikely]] {
        trace_hop(*sampling, m);
      }
      if (on_error == OnError::fail) {
        if (!call_or_fail(m, n - i)) return;
      } else {
        call_or_divert(m);
      }
      admission_.release_permit();
      if (on_error == OnError::restart && restarting_) {  // the rest is for the rebuilt stage
        if (++i < n) keep_rest(i);
        break;
      }
    }
  }
  emitter_.set_current(nullptr);
  if (rest_.empty() && i < n) bump(counters_.filtered, n - i);  // the stage stopped early
  emitter_.end_batch();
  // An ordered stage hands over a batch only whole, under the number it was taken with.
  if (node_.sequencer && rest_.empty()) submit_ordered(ticket_);
}

void Instance::release_processed(std::vector<Message>& batch, std::size_t i) noexcept {
  for (Message* p = emitter_.passed_end(); p != nullptr && p <= &batch[i]; ++p) *p = Message{};
}

bool Instance::call_or_fail(Message& m, std::size_t left) {
  const MessageId id{m.seq, m.trace_id};
  const AckRef ack = m.ack;  // the stage may consume m: its source must hear of a failure
  emitter_.set_current(&m);
  track_deadline(m);
  const std::optional<CallMark> before = mark_call();
  try {
    stage_->process(std::move(m), emitter_, *this);
    if (rt_.cancel_seen()) [[unlikely]] {
      settle_cancelled_call(before, ack);
    }
    return true;
  } catch (...) {
    admission_.release_permit();
    bump(counters_.errors, 1);
    ack.fail(AckOutcome::abandoned);
    bump(counters_.abandoned, left);  // this message and the rest of the batch
    release_processed(in_.size() - left);
    const AckAbandonScope lost_here;  // the rest of the batch is released here
    emitter_.end_batch();             // what it emitted stays pending; the cancel counts it
    fail(caught().what, id);
    return false;
  }
}

// Out of line: the copy kept for the dead letter would otherwise be built
// (and zeroed) on every call of the common path too.
[[gnu::noinline]] void Instance::call_or_divert(Message& m) {
  const OnError on_error = node_.node->options.on_error;
  Message saved;
  if (dead_letters(on_error)) saved = m;  // the attempt may consume it
  const Emitter::Mark mark = emitter_.mark();
  const AckRef ack = m.ack;
  const std::uint64_t seq = m.seq;
  const std::uint64_t trace_id = m.trace_id;
  emitter_.set_current(&m);
  track_deadline(m);
  const std::optional<CallMark> before = mark_call();
  try {
    stage_->process(std::move(m), emitter_, *this);
    if (rt_.cancel_seen()) [[unlikely]] {
      settle_cancelled_call(before, ack);
    }
  } catch (...) {
    const Caught error = caught();
    admission_.release_permit();
    bump(counters_.errors, 1);
    emitter_.rollback(mark);  // a failed attempt leaks nothing downstream
    if (on_error == OnError::drop && ack) {
      ack.fail(error.transient ? AckOutcome::failed : AckOutcome::rejected,
               std::string(stage_name()) + ": " + error.what);
    }
    divert(std::move(saved), seq, trace_id, error.what);
  }
}

void Instance::consume_input() {
  const auto& opts = node_.node->options;
  if (opts.rate_limit) {
    // Keep the admitted messages in front, in order; the first that must wait
    // and everything after it are kept for later.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < in_.size(); ++i) {
      const Gate gate = admit();
      if (gate == Gate::skip) continue;
      if (gate == Gate::wait) {
        keep_rest(i);
        break;
      }
      if (kept != i) in_[kept] = std::move(in_[i]);
      ++kept;
    }
    in_.resize(kept);
  }
  if (opts.semaphore && !in_.empty() && !admission_.holding_permit()) {
    if (!admission_.acquire_permit()) {
      if (rest_.empty()) {
        rest_.swap(in_);
      } else {
        rest_.insert(rest_.begin(), std::make_move_iterator(in_.begin()),
                     std::make_move_iterator(in_.end()));
      }
      in_.clear();
      return;
    }
  }
  try {
    const std::uint64_t skipped = counters_.skipped();
    if (!in_.empty()) sink_->consume(std::span<Message>(in_), *this);
    bump(counters_.out, in_.size() - (counters_.skipped() - skipped));  // the rest was written
  } catch (...) {
    admission_.release_permit();
    // The sink saw the batch whole: which message failed only it knows, so
    // a batch names its range rather than claim its first message failed.
    std::string what = caught().what;
    std::optional<MessageId> id;
    if (in_.size() == 1) id = MessageId{in_.front().seq, in_.front().trace_id};
    if (in_.size() > 1) {
      what += fmt::format(" (in a batch of {} messages, seq {} to {})", in_.size(), in_.front().seq,
                          in_.back().seq);
    }
    fail(std::move(what), id);
    return;  // in_ stays: finish(true) counts it abandoned
  }
  admission_.release_permit();
  in_.clear();
}

void Instance::settle_cancelled_call(const std::optional<CallMark>& marked, const AckRef& ack) {
  const std::optional<CallMark> before = marked ? marked : std::exchange(first_ask_, std::nullopt);
  if (!before) return;  // it never asked: it did not return early because of the cancel
  if (emitter_.emitted() != before->emitted || counters_.skipped() != before->skipped) return;
  if (stage_ && stage_->held() > 0) return;  // it may hold it: finish() counts what it holds
  bump(counters_.abandoned, 1);
  ack.fail(AckOutcome::abandoned);
}

void Instance::divert(Message&& failed, std::uint64_t seq, std::uint64_t trace_id,
                      const std::string& what) {
  if (node_.node->options.on_error == OnError::drop) {
    log_failure(seq, trace_id, what, 1, "dropped");
    bump(counters_.dropped, 1);
    return;
  }
  const bool restart = node_.node->options.on_error == OnError::restart;
  log_failure(seq, trace_id, what, 1,
              restart ? "sent to dead_letter; the stage restarts" : "sent to dead_letter");
  failed.attrs.set("error", what);
  failed.attrs.set("stage", std::string(stage_name()));
  failed.attrs.set("attempts", "1");
  failed.deadline_ns = 0;  // handled: the dead-letter path has no deadline
  bump(counters_.dead_letter, 1);
  emitter_.emit(dead_letter_port_, std::move(failed));
  // A restart that is refused fails the run: the loop then stops at the cancel.
  if (restart) restart_later(what, MessageId{seq, trace_id});
}

}  // namespace sluice::detail
