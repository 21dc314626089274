// Supervised restarts (NodeOptions::restart), Erlang's supervisor in one
// instance: a source whose open() or produce() threw is closed and reopened
// (the same object, so a file resumes at its offset and generate keeps its
// seq); a stage or sink under on_error = restart sends the failed message to
// `dead_letter` and is rebuilt from its factory, the rest of its batch kept
// for the new one. Each restart waits out its backoff on the instance's
// timer, and the stage's RestartIntensity fails the run past max_restarts
// within `within`. A source under `retry` first calls produce() again after
// the retry's backoff.
#include <fmt/format.h>

#include "runtime/ack_abandon_scope.hpp"
#include "runtime/instance.hpp"
#include "runtime/instance_host.hpp"

namespace sluice::detail {
namespace {

std::string seconds_text(Nanos ns) { return fmt::format("{:g}s", to_seconds(ns)); }

}  // namespace

bool Instance::restart_later(const std::string& what, const std::optional<MessageId>& message) {
  if (!node_.restarts) {
    fail(what, message);
    return false;
  }
  const RestartPolicy& policy = node_.restarts->policy();
  const Nanos now = rt_.clock().now();
  const std::optional<Nanos> delay = node_.restarts->admit(now);
  if (!delay) {
    fail(fmt::format("{} (restarted {} times within {}: giving up)", what, policy.max_restarts,
                     seconds_text(policy.within)),
         message);
    return false;
  }
  bump(counters_.restarts, 1);
  log(LogLevel::warn, fmt::format("{}; restarting in {}", what, seconds_text(*delay)));
  restarting_ = true;
  restart_due_ = saturating_add(now, *delay);
  timer_.arm(restart_due_);
  return true;
}

std::optional<Instance::Next> Instance::await_restart() {
  if (source_ && (rt_.stopping() || stop_requested_)) {
    // A stop while a source waits to reopen: it stays closed (source_failed
    // closed it; a failed open() opened nothing) and its outputs end now,
    // rather than after its backoff.
    restarting_ = false;
    return finish(false);
  }
  if (rt_.clock().now() < restart_due_) {
    timer_.arm(restart_due_);
    return Next::park;
  }
  restarting_ = false;
  ++restarts_;
  timer_.clear_stage_due();  // what the old stage asked for is not the new one's
  woken_ = false;
  if (stage_) {
    // A failed stage is not asked to close (it would emit from a broken
    // state): what it held is lost with it, and counted so.
    if (const std::size_t held = stage_->held(); held > 0) {
      bump(counters_.abandoned, held);
      log(LogLevel::warn, fmt::format("{} held messages are lost with the failed instance", held));
    }
    const AckAbandonScope lost_here;
    stage_.reset();
  }
  if (sink_) {
    try {
      sink_->close(*this);  // keep what it has written
    } catch (...) {
      // it failed already; the new one starts afresh
    }
    sink_.reset();
  }
  phase_ = Phase::opening;  // a source is kept and opened again
  return std::nullopt;
}

Instance::Next Instance::open_failed(const Caught& error) {
  if (!restart_later(error.what, std::nullopt)) return finish(true);
  return Next::park;
}

Instance::Next Instance::source_failed(const Caught& error) {
  bump(counters_.errors, 1);
  stamp_source_output();
  flush();  // what it emitted before it threw goes on; a full edge wakes it too
  const RetryPolicy& retry = node_.node->options.retry;
  const bool retryable = error.transient || retry.retry_on == RetryOn::any;
  if (retryable && produce_attempt_ < retry.max_attempts) {
    const Nanos delay =
        backoff_delay(retry, produce_attempt_, jitter_.uniform(), produce_previous_delay_);
    log(LogLevel::warn,
        fmt::format("produce failed (attempt {} of {}): {}; retrying in {}", produce_attempt_,
                    retry.max_attempts, error.what, seconds_text(delay)));
    bump(counters_.retries, 1);
    ++produce_attempt_;
    produce_previous_delay_ = delay;
    produce_waits_ = true;
    produce_due_ = saturating_add(rt_.clock().now(), delay);
    timer_.arm(produce_due_);
    return Next::park;
  }
  produce_attempt_ = 1;
  produce_previous_delay_ = 0;
  if (!node_.restarts) {
    fail(error.what, std::nullopt);
    return finish(true);
  }
  try {
    source_->close(*this);
  } catch (...) {
    // it failed already; open() is what must work
  }
  if (!restart_later(error.what, std::nullopt)) return finish(true);
  return Next::park;
}

}  // namespace sluice::detail
