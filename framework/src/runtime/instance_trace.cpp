// What an instance records for --trace (tracer.hpp): a span per turn, its
// drops, retries, breaker changes and timer wakes, and the hops of sampled
// messages: a source's "start" as it emits one, a stage's "step" and a
// sink's "end" as it takes one in. Every hop is recorded inside the turn
// that handles the message, so its flow event binds to that turn's span.
// With no tracer none of this runs: the instance tests one pointer per turn
// and per batch taken; a stage's own loop tests a local one per message
// (it reads the message there anyway, which a pass of its own over the
// batch would do again: 1.15 ns a message and stage, measured).
#include "runtime/instance.hpp"
#include "runtime/instance_host.hpp"

namespace sluice::detail {
namespace {

std::int64_t steady_now() noexcept { return SteadyClock::instance().now(); }

std::uint32_t u32(std::size_t n) noexcept { return static_cast<std::uint32_t>(n); }

}  // namespace

Tracer::Role Instance::trace_role() const noexcept {
  // A blocking stage's instances run on the I/O pool (Runtime::dispatch).
  return blocking() ? Tracer::Role::io : Tracer::Role::worker;
}

void Instance::trace_turn(Tracer& tracer, std::int64_t t0, std::int64_t t1) {
  const std::uint64_t in = counters_.in.load(std::memory_order_relaxed);
  const std::uint64_t out = out_counters().out.load(std::memory_order_relaxed);
  const std::uint64_t dropped = counters_.dropped.load(std::memory_order_relaxed);
  const Tracer::Role role = trace_role();
  tracer.turn(role, u32(node_.index), u32(index_), t0, t1, in - traced_.in, out - traced_.out);
  // At the end of the span: a stage's drops are counted as they happen, not timed.
  if (dropped > traced_.dropped) {
    tracer.stage_drop(role, u32(node_.index), u32(index_), t1, dropped - traced_.dropped);
  }
  traced_.in = in;
  traced_.out = out;
  traced_.dropped = dropped;
}

void Instance::trace_taken(Tracer& tracer) {
  if (!tracer.samples() || hops_in_loop()) return;
  for (const Message& m : in_) {
    if (tracer.sampled(m.trace_id)) trace_hop(tracer, m);
  }
}

Tracer* Instance::sampling_tracer() const noexcept {
  Tracer* tracer = rt_.tracer();
  return tracer != nullptr && tracer->samples() ? tracer : nullptr;
}

void Instance::trace_hop(Tracer& tracer, const Message& m) {
  const std::int64_t now = steady_now();
  const Tracer::Hop hop = sink_ ? Tracer::Hop::end : Tracer::Hop::step;
  tracer.hop(trace_role(), hop, u32(node_.index), now, m.trace_id);
  // The stages fused after this one pass it on in the same turn, in chain
  // order (a nanosecond apart, so that viewers keep the order).
  std::int64_t at = now;
  for (const NodeRuntime* member : node_.fused) {
    tracer.hop(trace_role(), Tracer::Hop::step, u32(member->index), ++at, m.trace_id);
  }
}

void Instance::mark_emitted() {
  const auto& batches = out_.batches();
  traced_.emitted.resize(batches.size());
  for (std::size_t p = 0; p < batches.size(); ++p) traced_.emitted[p] = batches[p].size();
}

void Instance::trace_emitted(Tracer& tracer) {
  if (!tracer.samples()) return;
  std::int64_t now = 0;
  const auto& batches = out_.batches();
  for (std::size_t p = 0; p < batches.size() && p < traced_.emitted.size(); ++p) {
    for (std::size_t i = traced_.emitted[p]; i < batches[p].size(); ++i) {
      const std::uint64_t id = batches[p][i].trace_id;
      if (!tracer.sampled(id)) continue;
      if (now == 0) now = steady_now();
      tracer.hop(trace_role(), Tracer::Hop::start, u32(node_.index), now, id);
    }
  }
}

void Instance::trace_retry(std::uint64_t trace_id, std::int64_t next_attempt, Nanos delay) {
  if (Tracer* tracer = rt_.tracer()) [[unlikely]] {
    tracer->retry(trace_role(), u32(node_.index), u32(index_), steady_now(), next_attempt, delay,
                  trace_id);
  }
}

void Instance::trace_breaker(const CircuitBreaker::Transition& t) {
  if (Tracer* tracer = rt_.tracer()) [[unlikely]] {
    tracer->breaker(trace_role(), u32(node_.index), u32(index_), steady_now(),
                    static_cast<int>(t.from), static_cast<int>(t.to));
  }
}

void Instance::trace_timer_wake() {
  if (Tracer* tracer = rt_.tracer()) [[unlikely]] {
    tracer->timer_wake(Tracer::Role::timer, u32(node_.index), u32(index_), steady_now());
  }
}

}  // namespace sluice::detail
