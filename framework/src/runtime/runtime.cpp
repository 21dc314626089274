#include "runtime/runtime.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <thread>
#include <utility>

#include "runtime/instance.hpp"

namespace sluice::detail {
namespace {

std::size_t default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

std::string port_label(const Node& node, std::size_t port) {
  if (node.ports.size() <= 1 && port == 0) return node.name;
  return node.name + "." + node.ports.at(port);
}

}  // namespace

/// A pipeline-level deadline (drain, run_for) on the timer service.
struct Runtime::Alarm final : TimerTarget {
  explicit Alarm(std::function<void()> fn) : fire(std::move(fn)) {}
  void on_deadline(Nanos) noexcept override { fire(); }
  std::function<void()> fire;
};

Runtime::Runtime(Graph graph, RunOptions options)
    : InstanceHost(options.clock ? *options.clock : SteadyClock::instance()),
      graph_(std::move(graph)),
      options_(std::move(options)) {
  if (options_.threads == 0) options_.threads = default_threads();
  if (options_.batch == 0) options_.batch = 1;
  batch_ = options_.batch;
  for (const Node& n : graph_.nodes()) deadlines_ = deadlines_ || n.options.message_deadline > 0;
  if (auto problems = graph_.problems(); !problems.empty()) {
    throw std::invalid_argument("invalid graph: " + problems.front());
  }
  build();
  if (!options_.trace_file.empty()) open_trace();
}

Runtime::~Runtime() { end_before_destruction(); }

void Runtime::end_before_destruction() {
  if (started_.load() && !waited_) {
    cancel();
    (void)wait();
  }
  if (gave_up_) {
    // Stuck calls still use this runtime: it may go only once they are back.
    std::unique_lock lock(done_mu_);
    done_cv_.wait(lock, [this] {
      return live_.load(std::memory_order_acquire) == 0 &&
             tasks_.load(std::memory_order_acquire) == 0;
    });
  }
  finish_trace();  // nobody records any more
}

void Runtime::build() {
  const auto& nodes = graph_.nodes();
  nodes_.reserve(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    auto nr = std::make_unique<NodeRuntime>();
    nr->node = &nodes[i];
    nr->index = i;
    nodes_.push_back(std::move(nr));
  }
  for (const Edge& e : graph_.edges()) {
    channels_.push_back(std::make_unique<Channel>(e.options.capacity, e.options.overflow));
    Channel* ch = channels_.back().get();
    nodes_[e.from]->outputs.push_back({e.from_port, ch});
    nodes_[e.to]->inputs.push_back(ch);
    nodes_[e.to]->hold_limit = std::max(nodes_[e.to]->hold_limit, e.options.capacity);
  }
  if (options_.fusion != Fusion::never) {
    // `automatic`: a chain whose stages have at least `threads` workers each
    // already fills the arena by data parallelism, so running its stages in
    // one loop per instance gives up no parallelism and saves a hop (and
    // the cache misses of handing each message to another core). On one
    // thread that is every chain.
    fuse_chains(options_.fusion == Fusion::always ? 1 : options_.threads);
  }
  for (auto& nr : nodes_) {
    if (nr->fused_into) continue;  // runs inside its chain's first stage
    const Node& n = *nr->node;
    const std::size_t workers = std::max<std::size_t>(1, n.options.workers);
    if (n.options.ordered && workers > 1 && n.kind == NodeKind::stage) {
      const std::size_t limit = std::max<std::size_t>(options_.batch * workers * 2, 1024);
      nr->sequencer = std::make_unique<Sequencer>(n.ports.size(), limit, workers);
      nr->sequencer->output().set_side_ports(n.ports);
      for (const OutEdgeRef& e : nr->outputs) nr->sequencer->output().add_edge(e.port, e.channel);
    }
    if (n.options.retry.max_attempts > 1 && n.options.retry.budget > 0) {
      nr->retry_budget =
          std::make_unique<RetryBudget>(n.options.retry.budget, n.options.retry.budget_reserve);
    }
    const bool restarts = n.kind == NodeKind::source ? n.options.restart_source
                                                     : n.options.on_error == OnError::restart;
    if (restarts) nr->restarts = std::make_unique<RestartIntensity>(n.options.restart);
    for (std::size_t w = 0; w < workers; ++w) {
      nr->instances.push_back(std::make_unique<Instance>(*this, *nr, w));
    }
  }
}

void Runtime::start() {
  if (started_.exchange(true)) throw std::logic_error("pipeline already started");
  started_ns_ = SteadyClock::instance().now();
  bool any_blocking = false;
  std::size_t count = 0;
  for (auto& nr : nodes_) {
    count += nr->instances.size();
    any_blocking = any_blocking || nr->node->options.blocking;
  }
  // Workers serve only this arena; the caller waits outside it, so allow
  // `threads` workers besides the caller's thread.
  parallelism_ = std::make_unique<tbb::global_control>(
      tbb::global_control::max_allowed_parallelism,
      std::max(options_.threads + 1,
               tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism)));
  arena_ = std::make_unique<tbb::task_arena>(static_cast<int>(options_.threads), 0);
  if (any_blocking) io_ = std::make_unique<IoPool>(options_.io_threads, options_.io_idle);
  live_.store(count);
  if (count == 0) ended_ns_.store(SteadyClock::instance().now());
  Pending pending = Pending::none;
  {
    std::lock_guard lock(start_mu_);
    ready_ = true;
    pending = pending_;
  }
  start_trace();
  if (count == 0) return;
  if (options_.run_for > 0) {
    run_for_alarm_ = std::make_unique<Alarm>([this] { stop(false); });
    timers_.schedule(saturating_add(clock_->now(), options_.run_for), run_for_alarm_.get());
  }
  for (auto& nr : nodes_) {
    for (auto& inst : nr->instances) inst->notify();
  }
  if (pending == Pending::cancel) cancel();
  if (pending == Pending::stop) stop(interrupted_.load());
}

bool Runtime::ready_or_remember(Pending request) {
  std::lock_guard lock(start_mu_);
  if (ready_) return true;
  pending_ = pending_ == Pending::none ? request : Pending::cancel;
  return false;
}

void Runtime::count_down(std::atomic<std::size_t>& counter) noexcept {
  std::lock_guard lock(done_mu_);
  if (counter.fetch_sub(1, std::memory_order_acq_rel) == 1) done_cv_.notify_all();
}

void Runtime::task_done() noexcept { count_down(tasks_); }

void Runtime::instance_finished() noexcept {
  if (live_.load(std::memory_order_acquire) == 1) {
    ended_ns_.store(SteadyClock::instance().now(), std::memory_order_relaxed);
  }
  count_down(live_);
}

void Runtime::notify_all(bool sources_only) {
  for (auto& nr : nodes_) {
    if (sources_only && nr->node->kind != NodeKind::source) continue;
    for (auto& inst : nr->instances) inst->notify();
  }
}

void Runtime::stop(bool interrupted) {
  if (interrupted) interrupted_.store(true);
  if (!ready_or_remember(Pending::stop)) return;
  if (stopping_.exchange(true)) {
    if (interrupted) cancel();  // a second stop does not wait for the drain
    return;
  }
  drain_alarm_ = std::make_unique<Alarm>([this] { drain_expired(); });
  timers_.schedule(saturating_add(clock_->now(), options_.drain_timeout), drain_alarm_.get());
  notify_all(true);
}

void Runtime::drain_expired() {
  if (cancelled_.load()) return;  // the run ended, or failed, first
  // Vector's shutdown report: who held the drain up, and with how much.
  std::string busy;
  for (const auto& nr : nodes_) {
    std::size_t calls = 0;
    for (const auto& inst : nr->instances) calls += inst->in_turn() ? 1 : 0;
    std::uint64_t queued = 0;
    for (const Channel* in : nr->inputs) queued += in->counters().depth;
    if (calls == 0 && queued == 0) continue;
    busy += fmt::format("{}{} ({} instance(s) at work, {} message(s) queued)",
                        busy.empty() ? "" : ", ", nr->node->name, calls, queued);
  }
  drain_expired_.store(true);
  log(LogLevel::warn, "",
      fmt::format("drain_timeout ({:g}s) passed with work left: {}; it is abandoned",
                  to_seconds(options_.drain_timeout), busy.empty() ? "none seen" : busy));
  cancel();
}

void Runtime::cancel() {
  if (!ready_or_remember(Pending::cancel)) return;
  if (cancelled_.exchange(true)) return;
  stopping_.store(true);
  notify_all(false);
  {
    std::lock_guard lock(done_mu_);  // wait() starts counting the grace
    cancelled_at_.store(SteadyClock::instance().now());
  }
  done_cv_.notify_all();
}

void Runtime::report_error(std::string_view stage, const std::optional<MessageId>& message,
                           std::string what) {
  {
    std::lock_guard lock(error_mu_);
    if (has_error_) {
      result_.suppressed.push_back(fmt::format("{}: {}", stage, what));
      return;
    }
    has_error_ = true;
    result_.status = RunStatus::failed;
    result_.error_stage = std::string(stage);
    result_.error = std::move(what);
    result_.has_error_seq = message.has_value();
    result_.error_seq = message ? message->seq : 0;
    result_.error_trace_id = message ? message->trace_id : 0;
  }
  cancel();
}

void Runtime::log(LogLevel level, std::string_view stage, std::string_view message) {
  if (options_.log) {
    options_.log(level, stage, message);
    return;
  }
  const auto line = fmt::format("[{}] {}: {}\n", level_name(level), stage, message);
  std::fputs(line.c_str(), stderr);
}

RunResult Runtime::wait() {
  if (!started_.load()) throw std::logic_error("pipeline not started");
  {
    std::unique_lock lock(done_mu_);
    const auto over = [this] {
      return live_.load(std::memory_order_acquire) == 0 &&
             tasks_.load(std::memory_order_acquire) == 0;
    };
    Nanos give_up_at = 0;
    while (!over()) {
      if (give_up_at == 0) {
        const Nanos cancelled_at = cancelled_at_.load();
        if (cancelled_at == 0) {
          done_cv_.wait(lock);
          continue;
        }
        give_up_at = saturating_add(cancelled_at, options_.cancel_grace);
      }
      // Real time: a stage stuck in a call is stuck on the wall clock.
      const std::chrono::steady_clock::time_point deadline{std::chrono::nanoseconds(give_up_at)};
      if (done_cv_.wait_until(lock, deadline, over)) break;
      if (any_in_turn()) {
        gave_up_ = true;
        break;
      }
      give_up_at = saturating_add(give_up_at, options_.cancel_grace);  // only queued tasks left
    }
    if (waited_) return result_;
    waited_ = true;
  }
  timers_.shutdown();
  if (io_ && !gave_up_) io_->shutdown();  // else a stuck call holds a thread: the destructor joins
  if (!gave_up_) finish_trace();          // else when the stuck calls are back
  std::lock_guard lock(error_mu_);
  if (gave_up_) give_up_on_stuck();
  if (!has_error_ && interrupted_.load()) {
    result_.status = RunStatus::interrupted;
  } else if (!has_error_ && drain_expired_.load()) {
    result_.status = RunStatus::drain_timeout;
  }
  std::uint64_t abandoned = 0;
  for (auto& nr : nodes_) {
    for (auto& inst : nr->instances) abandoned += inst->counters().abandoned.load();
    for (const InstanceCounters* c : nr->fused_counters) abandoned += c->abandoned.load();
  }
  for (auto& ch : channels_) {
    const auto c = ch->counters();
    abandoned += c.abandoned + c.discarded + c.depth;
  }
  result_.abandoned = abandoned;
  return result_;
}

bool Runtime::any_in_turn() const noexcept {
  for (const auto& nr : nodes_) {
    for (const auto& inst : nr->instances) {
      if (inst->in_turn()) return true;
    }
  }
  return false;
}

void Runtime::give_up_on_stuck() {
  for (const auto& nr : nodes_) {
    std::size_t in_turn = 0;
    for (const auto& inst : nr->instances) in_turn += inst->in_turn() ? 1 : 0;
    if (in_turn == 0) continue;
    result_.stuck.push_back(nr->node->name);
    std::string what = fmt::format(
        "{} of {} instance(s) still inside a call {:.3g} s after the run was cancelled: left "
        "running, their messages unaccounted",
        in_turn, nr->instances.size(), to_seconds(options_.cancel_grace));
    if (has_error_) {
      result_.suppressed.push_back(fmt::format("{}: {}", nr->node->name, what));
      continue;
    }
    has_error_ = true;
    result_.status = RunStatus::failed;
    result_.error_stage = nr->node->name;
    result_.error = std::move(what);
    result_.has_error_seq = false;
  }
}

Stats Runtime::stats() const {
  Stats s;
  s.pipeline = options_.name;
  {
    std::lock_guard lock(error_mu_);
    if (waited_) {
      s.status = std::string(to_string(result_.status));
    } else {
      s.status = has_error_ ? "failed" : "running";
    }
  }
  const std::int64_t end = ended_ns_.load(std::memory_order_relaxed);
  if (const std::int64_t started = started_ns_.load(); started != 0) {
    s.elapsed_s = to_seconds((end != 0 ? end : SteadyClock::instance().now()) - started);
  }
  for (const auto& nr : nodes_) {
    StageStats st;
    st.name = nr->node->name;
    std::vector<const InstanceCounters*> counters;
    for (const auto& inst : nr->instances) counters.push_back(&inst->counters());
    counters.insert(counters.end(), nr->fused_counters.begin(), nr->fused_counters.end());
    for (const InstanceCounters* cp : counters) {
      const auto& c = *cp;
      st.in += c.in.load(std::memory_order_relaxed);
      st.out += c.out.load(std::memory_order_relaxed);
      st.filtered += c.filtered.load(std::memory_order_relaxed);
      st.dropped += c.dropped.load(std::memory_order_relaxed);
      st.errors += c.errors.load(std::memory_order_relaxed);
      st.dead_letter += c.dead_letter.load(std::memory_order_relaxed);
      st.retries += c.retries.load(std::memory_order_relaxed);
      st.rejected += c.rejected.load(std::memory_order_relaxed);
      st.abandoned += c.abandoned.load(std::memory_order_relaxed);
      st.expired += c.expired.load(std::memory_order_relaxed);
      st.restarts += c.restarts.load(std::memory_order_relaxed);
      st.busy_s += to_seconds(c.busy_ns.load(std::memory_order_relaxed));
      st.blocked_s += to_seconds(c.blocked_ns.load(std::memory_order_relaxed));
    }
    {
      std::lock_guard lock(nr->counters_mu);
      for (const auto& [k, v] : nr->counters) st.counters.emplace(k, v);
    }
    if (nr->fused_into) st.fused_into = nr->fused_into->node->name;
    if (const auto& b = nr->node->options.circuit_breaker) {
      st.breaker = b->name();
      st.breaker_state = std::string(to_string(b->state()));
    }
    s.stages.push_back(std::move(st));
  }
  const auto& nodes = graph_.nodes();
  for (std::size_t i = 0; i < graph_.edges().size(); ++i) {
    const Edge& e = graph_.edges()[i];
    const auto c = channels_[i]->counters();
    EdgeStats es;
    es.from = port_label(nodes[e.from], e.from_port);
    es.to = nodes[e.to].name;
    es.capacity = e.options.capacity;
    if (const NodeRuntime* to = fused_edge_to_.empty() ? nullptr : fused_edge_to_[i]) {
      // No queue: every message that left one stage entered the next.
      for (const InstanceCounters* fc : to->fused_counters) {
        es.taken += fc->in.load(std::memory_order_relaxed);
      }
      es.offered = es.taken;
      es.fused = true;
      s.edges.push_back(std::move(es));
      continue;
    }
    es.depth = c.depth;
    es.max_depth = c.max_depth;
    es.offered = c.offered;
    es.taken = c.popped;
    es.dropped = c.dropped_newest + c.dropped_oldest;
    es.abandoned = c.abandoned + c.discarded;
    es.blocked_s = to_seconds(channels_[i]->blocked_ns());
    s.edges.push_back(std::move(es));
  }
  return s;
}

}  // namespace sluice::detail
