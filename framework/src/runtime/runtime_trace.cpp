// Runtime's side of --trace (RunOptions::trace_file): it owns the Tracer the
// instances record into, and samples every edge's depth and overflow drops
// every 10 ms on the timer thread (with a ManualClock, only at the end), so
// that no hot path reads a channel's counters for the trace.
#include <exception>
#include <utility>

#include "runtime/runtime.hpp"
#include "runtime/tracer.hpp"

namespace sluice::detail {
namespace {

constexpr Nanos kSamplePeriod = from_millis(10);

std::string output_label(const Node& node, std::size_t port) {
  if (node.ports.size() <= 1 && port == 0) return node.name;
  return node.name + "." + node.ports.at(port);
}

}  // namespace

struct Runtime::Trace final : TimerTarget {
  Trace(Runtime& runtime, Tracer::Config config)
      : rt(runtime),
        tracer(std::move(config)),
        depth(rt.channels_.size(), 0),
        dropped(rt.channels_.size(), 0) {}

  void on_deadline(Nanos) noexcept override {
    sample(Tracer::Role::timer);
    rt.timers_.schedule(saturating_add(rt.clock_->now(), kSamplePeriod), this);
  }

  /// Records the depths that changed since the last sample, and the drops since then.
  void sample(Tracer::Role role) noexcept {
    try {
      const std::int64_t now = SteadyClock::instance().now();
      for (std::size_t i = 0; i < rt.channels_.size(); ++i) {
        if (!rt.fused_edge_to_.empty() && rt.fused_edge_to_[i] != nullptr) continue;  // no queue
        const ChannelCounters c = rt.channels_[i]->counters();
        const auto edge = static_cast<std::uint32_t>(i);
        if (!sampled || c.depth != depth[i]) tracer.depth(role, edge, now, c.depth);
        depth[i] = c.depth;
        const std::uint64_t d = c.dropped_newest + c.dropped_oldest;
        if (d > dropped[i]) tracer.edge_drop(role, edge, now, d - dropped[i]);
        dropped[i] = d;
      }
      sampled = true;
    } catch (const std::exception&) {
      // Out of memory for a thread's first buffer: this sample is lost, the run goes on.
    }
  }

  Runtime& rt;
  Tracer tracer;
  // Last sampled, per edge: written by the timer thread, then (once it is
  // joined) by wait()'s.
  std::vector<std::uint64_t> depth;
  std::vector<std::uint64_t> dropped;
  bool sampled{false};
  bool finished{false};
};

void Runtime::TraceDeleter::operator()(Trace* trace) const noexcept { delete trace; }

void Runtime::open_trace() {
  Tracer::Config config;
  config.path = options_.trace_file;
  config.sample = options_.trace_sample;
  config.process = options_.name;
  for (const Node& n : graph_.nodes()) config.stages.push_back(n.name);
  const auto& nodes = graph_.nodes();
  for (const Edge& e : graph_.edges()) {
    config.edges.push_back(output_label(nodes[e.from], e.from_port) + " -> " + nodes[e.to].name);
  }
  trace_.reset(new Trace(*this, std::move(config)));
  tracer_ = &trace_->tracer;
}

void Runtime::start_trace() {
  if (!trace_) return;
  trace_->sample(Tracer::Role::control);  // every edge starts empty
  if (!clock_->is_manual()) timers_.schedule(clock_->now(), trace_.get());
}

void Runtime::finish_trace() {
  if (!trace_ || std::exchange(trace_->finished, true)) return;
  trace_->sample(Tracer::Role::control);
  if (const std::string error = trace_->tracer.finish(); !error.empty()) {
    log(LogLevel::error, "", error);
  }
}

}  // namespace sluice::detail
