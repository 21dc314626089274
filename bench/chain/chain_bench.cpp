// Per-hop cost: a source -> N trivial maps (x = x*31 + 7 on Message::value)
// -> a summing sink, through the real runtime built with the C++ API, on 1
// and 2 arena threads. Counter ns_per_msg is wall time per message end to
// end; the difference between N and N+k stages, divided by k, is the cost of
// one hop.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "bench_stages.hpp"

namespace {

namespace sb = sluice::bench;

void BM_Chain(benchmark::State& state) {
  const int stages = static_cast<int>(state.range(0));
  const auto threads = static_cast<std::size_t>(state.range(1));
  const bool fusable = state.range(2) != 0;  // 0: one task and one queue per stage
  static constexpr std::uint64_t kMessages = 2'000'000;
  const std::uint64_t want = sb::chain_checksum(kMessages, stages);
  std::int64_t wall_ns = 0;
  for (auto _ : state) {
    std::uint64_t total = 0;
    sluice::Graph g;
    auto prev = g.add_source("src", [] { return std::make_unique<sb::Counter>(kMessages); });
    for (int s = 0; s < stages; ++s) {
      auto next = g.add_stage("map" + std::to_string(s),
                              [] { return std::make_unique<sb::Affine>(); }, {.fusable = fusable});
      g.connect(prev, next);
      prev = next;
    }
    auto sink = g.add_sink("sum", [&total] { return std::make_unique<sb::Sum>(total); });
    g.connect(prev, sink);
    const std::int64_t t0 = sb::steady_ns();
    sb::run_or_throw(std::move(g), threads);
    wall_ns += sb::steady_ns() - t0;
    if (total != want) throw std::runtime_error("checksum mismatch");
  }
  const auto messages = static_cast<double>(state.iterations() * kMessages);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kMessages));
  state.counters["ns_per_msg"] = static_cast<double>(wall_ns) / messages;
}

BENCHMARK(BM_Chain)
    ->ArgNames({"stages", "threads", "fusable"})
    ->ArgsProduct({{1, 2, 5, 10}, {1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
