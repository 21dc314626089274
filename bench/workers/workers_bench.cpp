// Worker pool scaling and fan-out / fan-in, with a ~1 us CPU stage (spin()
// calibrated once, not a clock loop), on 2 arena threads.
//
// - BM_Fused: the single-thread limit, the same spin in a plain loop.
// - BM_WorkerPool: source -> one stage with `workers` = 1, 2, 4 -> sum.
// - BM_FanOutFanIn: a source with 4 ports (round robin) -> 4 separate stages
//   -> 4 edges into one summing sink (the merge).
//
// Counters: ns_per_msg (wall) and cpu_ns_per_msg (process CPU, all threads);
// cpu_ns_per_msg minus BM_Fused's is the runtime's CPU overhead per message.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_stages.hpp"

namespace {

namespace sb = sluice::bench;

constexpr std::uint64_t kMessages = 200'000;
constexpr std::size_t kThreads = 2;
constexpr std::size_t kBranches = 4;

std::uint64_t iterations() {
  static const std::uint64_t k = sb::iterations_per_micro();
  return k;
}

std::int64_t cpu_ns() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const auto ns = [](const timeval& t) {
    return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 +
           static_cast<std::int64_t>(t.tv_usec) * 1000;
  };
  return ns(ru.ru_utime) + ns(ru.ru_stime);
}

std::uint64_t want() {
  static const std::uint64_t total = [] {
    std::uint64_t t = 0;
    for (std::uint64_t i = 0; i < kMessages; ++i) t += sb::spin(i, iterations());
    return t;
  }();
  return total;
}

void report(benchmark::State& state, std::int64_t wall, std::int64_t cpu) {
  const auto messages = static_cast<double>(state.iterations() * kMessages);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kMessages));
  state.counters["ns_per_msg"] = static_cast<double>(wall) / messages;
  state.counters["cpu_ns_per_msg"] = static_cast<double>(cpu) / messages;
}

/// Sends message i to port i % ports.
class RoundRobin final : public sluice::Source {
 public:
  RoundRobin(std::uint64_t n, std::size_t ports) : n_(n), ports_(ports) {}
  sluice::SourceStatus produce(sluice::Emitter& out, sluice::Context&,
                               std::size_t budget) override {
    for (std::size_t i = 0; i < budget && next_ < n_; ++i, ++next_) {
      sluice::Message m;
      m.seq = next_;
      m.value = static_cast<std::int64_t>(next_);
      out.emit(static_cast<std::size_t>(next_ % ports_), std::move(m));
    }
    return next_ >= n_ ? sluice::SourceStatus::done : sluice::SourceStatus::more;
  }

 private:
  std::uint64_t n_;
  std::size_t ports_;
  std::uint64_t next_{0};
};

void BM_Fused(benchmark::State& state) {
  const std::uint64_t k = iterations();  // calibrates outside the timed loop
  std::int64_t wall = 0, cpu = 0;
  for (auto _ : state) {
    const std::int64_t t0 = sb::steady_ns(), c0 = cpu_ns();
    std::uint64_t total = 0;
    for (std::uint64_t i = 0; i < kMessages; ++i) total += sb::spin(i, k);
    benchmark::DoNotOptimize(total);
    wall += sb::steady_ns() - t0;
    cpu += cpu_ns() - c0;
  }
  report(state, wall, cpu);
}

void BM_WorkerPool(benchmark::State& state) {
  const auto workers = static_cast<std::size_t>(state.range(0));
  const std::uint64_t k = iterations();
  const std::uint64_t expected = want();
  std::int64_t wall = 0, cpu = 0;
  for (auto _ : state) {
    std::uint64_t total = 0;
    sluice::Graph g;
    auto src = g.add_source("src", [] { return std::make_unique<sb::Counter>(kMessages); });
    auto work =
        g.add_stage("work", [k] { return std::make_unique<sb::Spin>(k); }, {.workers = workers});
    auto sink = g.add_sink("sum", [&total] { return std::make_unique<sb::Sum>(total); });
    g.connect(src, work);
    g.connect(work, sink);
    const std::int64_t t0 = sb::steady_ns(), c0 = cpu_ns();
    sb::run_or_throw(std::move(g), kThreads);
    wall += sb::steady_ns() - t0;
    cpu += cpu_ns() - c0;
    if (total != expected) throw std::runtime_error("checksum mismatch");
  }
  report(state, wall, cpu);
}

void BM_FanOutFanIn(benchmark::State& state) {
  const std::uint64_t k = iterations();
  const std::uint64_t expected = want();
  std::int64_t wall = 0, cpu = 0;
  for (auto _ : state) {
    std::uint64_t total = 0;
    sluice::Graph g;
    std::vector<std::string> ports;
    for (std::size_t b = 0; b < kBranches; ++b) ports.push_back("p" + std::to_string(b));
    auto src = g.add_source(
        "src", [] { return std::make_unique<RoundRobin>(kMessages, kBranches); }, {}, ports);
    auto sink = g.add_sink("sum", [&total] { return std::make_unique<sb::Sum>(total); });
    for (std::size_t b = 0; b < kBranches; ++b) {
      auto work =
          g.add_stage("work" + std::to_string(b), [k] { return std::make_unique<sb::Spin>(k); });
      g.connect(src, ports[b], work);
      g.connect(work, sink);
    }
    const std::int64_t t0 = sb::steady_ns(), c0 = cpu_ns();
    sb::run_or_throw(std::move(g), kThreads);
    wall += sb::steady_ns() - t0;
    cpu += cpu_ns() - c0;
    if (total != expected) throw std::runtime_error("checksum mismatch");
  }
  report(state, wall, cpu);
}

BENCHMARK(BM_Fused)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_WorkerPool)
    ->ArgName("workers")
    ->Arg(1)
    ->Arg(2)
    ->Arg(4)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_FanOutFanIn)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
