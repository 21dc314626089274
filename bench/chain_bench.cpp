// Per-hop cost: a source -> N trivial maps (x = x*31 + 7 on a 64-bit field)
// -> a summing sink, run through the real runtime with the C++ API.
// Counters: ns per message end to end; compare N to get the cost of a hop.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>

#include "sluice/graph.hpp"
#include "sluice/pipeline.hpp"

namespace {

class Counter final : public sluice::Source {
 public:
  explicit Counter(std::uint64_t n) : n_(n) {}
  sluice::SourceStatus produce(sluice::Emitter& out, sluice::Context&,
                               std::size_t budget) override {
    for (std::size_t i = 0; i < budget && next_ < n_; ++i, ++next_) {
      sluice::Message m;
      m.seq = next_;
      m.value = static_cast<std::int64_t>(next_);
      out.emit(std::move(m));
    }
    return next_ >= n_ ? sluice::SourceStatus::done : sluice::SourceStatus::more;
  }

 private:
  std::uint64_t n_;
  std::uint64_t next_{0};
};

class Affine final : public sluice::Stage {
 public:
  void process(sluice::Message&& m, sluice::Emitter& out, sluice::Context&) override {
    m.value = static_cast<std::int64_t>(static_cast<std::uint64_t>(m.value) * 31 + 7);
    out.emit(std::move(m));
  }
};

class Sum final : public sluice::Sink {
 public:
  explicit Sum(std::uint64_t& total) : total_(total) {}
  void consume(std::span<sluice::Message> batch, sluice::Context&) override {
    for (const auto& m : batch) total_ += static_cast<std::uint64_t>(m.value);
  }

 private:
  std::uint64_t& total_;
};

std::uint64_t expected_sum(std::uint64_t n, int stages) {
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t x = i;
    for (int s = 0; s < stages; ++s) x = x * 31 + 7;
    total += x;
  }
  return total;
}

void BM_Chain(benchmark::State& state) {
  const int stages = static_cast<int>(state.range(0));
  const auto threads = static_cast<std::size_t>(state.range(1));
  static constexpr std::uint64_t kMessages = 2'000'000;
  const std::uint64_t want = expected_sum(kMessages, stages);
  for (auto _ : state) {
    std::uint64_t total = 0;
    sluice::Graph g;
    auto prev = g.add_source("src", [] { return std::make_unique<Counter>(kMessages); });
    for (int s = 0; s < stages; ++s) {
      auto next = g.add_stage("map" + std::to_string(s), [] { return std::make_unique<Affine>(); });
      g.connect(prev, next);
      prev = next;
    }
    auto sink = g.add_sink("sum", [&total] { return std::make_unique<Sum>(total); });
    g.connect(prev, sink);
    sluice::Pipeline p(std::move(g), {.threads = threads});
    if (!p.run().ok()) throw std::runtime_error("pipeline failed");
    if (total != want) throw std::runtime_error("checksum mismatch");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kMessages));
  state.counters["ns_per_msg"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kMessages),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

BENCHMARK(BM_Chain)
    ->ArgNames({"stages", "threads"})
    ->ArgsProduct({{1, 2, 5, 10}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
