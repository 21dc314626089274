// Per-message deadlines: a source with `deadline = "2s"` (or the pipeline's
// `message_deadline`) stamps each message it makes with the Clock time by
// which it must have been taken by every stage. A stage that takes it later
// does not process it: it is counted `expired` and, under on_error =
// dead_letter, sent to the dead_letter port with attrs.error "deadline
// exceeded". Context::deadline() is the earlier of the call's timeout and
// the message's deadline, so that a well-written stage stops early.
#include <fmt/format.h>

#include <string>

#include "runtime/instance.hpp"
#include "runtime/instance_host.hpp"

namespace sluice::detail {
namespace {

/// Expired messages logged per stage before the rest are only counted.
constexpr std::uint64_t kLoggedExpiries = 10;

}  // namespace

void Instance::stamp_source_output() {
  // One pass over what the turn made. A source that left trace_id 0 (a
  // plugin's, a C++ graph's own) gets random ids, so that every message can
  // be followed in the logs; a deadline of 0 stamps nothing.
  const Nanos ttl = node_.node->options.message_deadline;
  if (!trace_ids_) trace_ids_.emplace();
  builtins::TraceIds& ids = *trace_ids_;
  // The common case, in a loop of its own: every message of a C++ source passes here.
  if (ttl <= 0) {
    for (std::vector<Message>& port : out_.batches()) {
      for (Message& m : port) {
        if (m.trace_id == 0) m.trace_id = ids.next();
      }
    }
    return;
  }
  const Nanos deadline = saturating_add(rt_.clock().now(), ttl);
  for (std::vector<Message>& port : out_.batches()) {
    for (Message& m : port) {
      if (m.trace_id == 0) m.trace_id = ids.next();
      if (m.deadline_ns == 0) m.deadline_ns = deadline;
    }
  }
}

void Instance::expire_overdue() {
  const Nanos now = rt_.clock().now();
  const bool dead_letter =
      dead_letters(node_.node->options.on_error) && dead_letter_port_ != Emitter::kNoPort;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < in_.size(); ++i) {
    Message& m = in_[i];
    if (m.deadline_ns == 0 || now < m.deadline_ns) {
      if (kept != i) {
        in_[kept] = std::move(m);
        if (!in_states_.empty()) in_states_[kept] = in_states_[i];
      }
      ++kept;
      continue;
    }
    bump(counters_.expired, 1);
    const char* outcome = dead_letter ? "sent to dead_letter" : "dropped";
    const std::uint64_t n = node_.expiries_logged.fetch_add(1, std::memory_order_relaxed);
    if (n < kLoggedExpiries) {
      log(LogLevel::warn,
          fmt::format("message seq {} expired ({:g}s past its deadline); {} (trace_id {})", m.seq,
                      to_seconds(now - m.deadline_ns), outcome, m.trace_id));
    } else if (n == kLoggedExpiries) {
      log(LogLevel::warn, "further expired messages are counted in the stats, not logged");
    }
    if (dead_letter) {
      m.attrs.set("error", "deadline exceeded");
      m.attrs.set("stage", std::string(stage_name()));
      m.attrs.set("attempts", "0");
      m.deadline_ns = 0;  // handled: the dead-letter path has no deadline
      emitter_.emit(dead_letter_port_, std::move(m));
    } else {
      m.ack.fail(AckOutcome::rejected, std::string(stage_name()) + ": deadline exceeded");
      m = Message{};
    }
  }
  in_.resize(kept);
  if (!in_states_.empty()) in_states_.resize(kept);
}

}  // namespace sluice::detail
