// Latency of a message through a 5-stage chain at half of saturation load.
// First the chain's saturation throughput is measured with an unpaced
// source; then a source paced on the timer service (like `generate` with
// `rate`) stamps each message's ingest_ns with ctx.now() at half that rate,
// and the sink records now - ingest_ns for every message. Counters: p50_us,
// p99_us, max_us and the offered rate (msgs_per_s).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_stages.hpp"

namespace {

namespace sb = sluice::bench;
using sluice::Nanos;

constexpr int kStages = 5;
constexpr std::uint64_t kMessages = 2'000'000;  // to measure saturation

/// `count` messages at `rate` per second, ingest_ns = ctx.now(); waits on
/// timers between bursts, exactly as the `generate` built-in paces itself.
class Paced final : public sluice::Source {
 public:
  Paced(std::uint64_t count, double rate) : count_(count), rate_(rate) {}
  void open(sluice::Context& ctx) override { start_ = ctx.now(); }
  sluice::SourceStatus produce(sluice::Emitter& out, sluice::Context& ctx,
                               std::size_t budget) override {
    const Nanos now = ctx.now();
    const auto due = static_cast<std::uint64_t>(sluice::to_seconds(now - start_) * rate_) + 1;
    std::uint64_t n =
        std::min<std::uint64_t>({budget, count_ - emitted_, due > emitted_ ? due - emitted_ : 0});
    if (n == 0) {
      const auto next =
          start_ + static_cast<Nanos>(std::ceil(static_cast<double>(emitted_) / rate_ * 1e9));
      ctx.wake_at(std::max(next, now + 1));
      return sluice::SourceStatus::wait;
    }
    for (; n > 0; --n) {
      sluice::Message m;
      m.seq = emitted_;
      m.value = static_cast<std::int64_t>(emitted_++);
      m.ingest_ns = now;
      out.emit(std::move(m));
    }
    return emitted_ >= count_ ? sluice::SourceStatus::done : sluice::SourceStatus::more;
  }

 private:
  std::uint64_t count_;
  double rate_;
  std::uint64_t emitted_{0};
  Nanos start_{0};
};

/// Records the latency of every message it gets.
class Recorder final : public sluice::Sink {
 public:
  explicit Recorder(std::vector<Nanos>& out) : out_(out) {}
  void consume(std::span<sluice::Message> batch, sluice::Context& ctx) override {
    const Nanos now = ctx.now();
    for (const auto& m : batch) out_.push_back(now - m.ingest_ns);
  }

 private:
  std::vector<Nanos>& out_;
};

sluice::Graph chain(sluice::SourceFactory source, sluice::SinkFactory sink) {
  sluice::Graph g;
  auto prev = g.add_source("src", std::move(source));
  for (int s = 0; s < kStages; ++s) {
    auto next =
        g.add_stage("map" + std::to_string(s), [] { return std::make_unique<sb::Affine>(); });
    g.connect(prev, next);
    prev = next;
  }
  g.connect(prev, g.add_sink("sink", std::move(sink)));
  return g;
}

/// Messages per second the chain moves with an unpaced source.
double saturation(std::size_t threads) {
  std::uint64_t total = 0;
  auto g = chain([] { return std::make_unique<sb::Counter>(kMessages); },
                 [&total] { return std::make_unique<sb::Sum>(total); });
  const std::int64_t t0 = sb::steady_ns();
  sb::run_or_throw(std::move(g), threads);
  const auto wall = static_cast<double>(sb::steady_ns() - t0);
  if (total != sb::chain_checksum(kMessages, kStages)) throw std::runtime_error("bad checksum");
  return static_cast<double>(kMessages) / wall * 1e9;
}

double percentile(std::vector<Nanos>& v, double q) {
  const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return static_cast<double>(v[k]);
}

void BM_LatencyHalfLoad(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  const double rate = saturation(threads) / 2;
  const auto count = std::max<std::uint64_t>(10'000, static_cast<std::uint64_t>(rate / 2));
  std::vector<Nanos> latencies;
  latencies.reserve(count);
  for (auto _ : state) {
    latencies.clear();
    sb::run_or_throw(chain([count, rate] { return std::make_unique<Paced>(count, rate); },
                           [&latencies] { return std::make_unique<Recorder>(latencies); }),
                     threads);
    if (latencies.size() != count) throw std::runtime_error("lost messages");
  }
  state.counters["msgs_per_s"] = rate;
  state.counters["p50_us"] = percentile(latencies, 0.50) / 1e3;
  state.counters["p99_us"] = percentile(latencies, 0.99) / 1e3;
  state.counters["max_us"] = percentile(latencies, 1.0) / 1e3;
}

BENCHMARK(BM_LatencyHalfLoad)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
