// Per-hop cost: a source -> N trivial maps (x = x*31 + 7 on Message::value)
// -> a summing sink, through the real runtime built with the C++ API, on 1
// and 2 arena threads. Counter ns_per_msg is wall time per message end to
// end; the difference between N and N+k stages, divided by k, is the cost of
// one hop. BM_ChainTrace runs the 5-map chain with --trace off and on
// (RunOptions::trace_file; trace:1 at the default sampling of flows,
// trace:2 with none), to price tracing.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "bench_stages.hpp"

namespace {

namespace sb = sluice::bench;

/// The chain of `stages` maps of `fusable` maps under `options`, once per iteration.
void run_chain(benchmark::State& state, int stages, bool fusable, const sluice::RunOptions& options,
               bool trace_ids = false) {
  static constexpr std::uint64_t kMessages = 2'000'000;
  const std::uint64_t want = sb::chain_checksum(kMessages, stages);
  std::int64_t wall_ns = 0;
  for (auto _ : state) {
    std::uint64_t total = 0;
    sluice::Graph g;
    auto prev = g.add_source("src", [trace_ids]() -> std::unique_ptr<sluice::Source> {
      if (trace_ids) return std::make_unique<sb::IdCounter>(kMessages);
      return std::make_unique<sb::Counter>(kMessages);
    });
    for (int s = 0; s < stages; ++s) {
      auto next = g.add_stage("map" + std::to_string(s),
                              [] { return std::make_unique<sb::Affine>(); }, {.fusable = fusable});
      g.connect(prev, next);
      prev = next;
    }
    auto sink = g.add_sink("sum", [&total] { return std::make_unique<sb::Sum>(total); });
    g.connect(prev, sink);
    // The last iteration's trace is not truncated inside the timed run.
    if (!options.trace_file.empty()) std::filesystem::remove(options.trace_file);
    const std::int64_t t0 = sb::steady_ns();
    sb::run_or_throw(std::move(g), options);
    wall_ns += sb::steady_ns() - t0;
    if (total != want) throw std::runtime_error("checksum mismatch");
  }
  const auto messages = static_cast<double>(state.iterations() * kMessages);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kMessages));
  state.counters["ns_per_msg"] = static_cast<double>(wall_ns) / messages;
}

void BM_Chain(benchmark::State& state) {
  const int stages = static_cast<int>(state.range(0));
  const auto threads = static_cast<std::size_t>(state.range(1));
  const bool fusable = state.range(2) != 0;  // 0: one task and one queue per stage
  run_chain(state, stages, fusable, {.threads = threads});
}

void BM_ChainTrace(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  sluice::RunOptions options{.threads = threads};
  if (state.range(1) != 0) {  // 1: the default sampling of message flows; 2: none
    options.trace_file =
        (std::filesystem::temp_directory_path() / "sluice_bench_chain.trace.json").string();
    if (state.range(1) == 2) options.trace_sample = 0;
  }
  run_chain(state, 5, true, options, /*trace_ids=*/true);  // so that some are sampled
}

BENCHMARK(BM_Chain)
    ->ArgNames({"stages", "threads", "fusable"})
    ->ArgsProduct({{1, 2, 5, 10}, {1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(BM_ChainTrace)
    ->ArgNames({"threads", "trace"})
    ->ArgsProduct({{1, 2}, {0, 1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
