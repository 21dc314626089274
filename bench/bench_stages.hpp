// The stages the runtime benchmarks are made of: a counting source, the
// trivial map `x = x*31 + 7` on Message::value, a ~1 us CPU stage, a summing
// sink, and the checksums they must produce.
//
//   g.add_source("src", [] { return std::make_unique<bench::Counter>(n); });
//   g.add_stage("map", [] { return std::make_unique<bench::Affine>(); });
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>

#include "sluice/graph.hpp"
#include "sluice/pipeline.hpp"
#include "spin.hpp"

namespace sluice::bench {

/// Messages 0..n-1 with value = seq, as fast as downstream takes them;
/// kTraceIds: each with its own trace id (seq + 1), as sluice's sources set.
template <bool kTraceIds>
class BasicCounter final : public Source {
 public:
  explicit BasicCounter(std::uint64_t n) : n_(n) {}
  SourceStatus produce(Emitter& out, Context&, std::size_t budget) override {
    for (std::size_t i = 0; i < budget && next_ < n_; ++i, ++next_) {
      Message& m = out.emplace();  // built in place: never moved
      m.seq = next_;
      m.value = static_cast<std::int64_t>(next_);
      if constexpr (kTraceIds) m.trace_id = next_ + 1;
    }
    return next_ >= n_ ? SourceStatus::done : SourceStatus::more;
  }

 private:
  std::uint64_t n_;
  std::uint64_t next_{0};
};
using Counter = BasicCounter<false>;
using IdCounter = BasicCounter<true>;

inline std::uint64_t affine(std::uint64_t x) noexcept { return x * 31 + 7; }

/// The trivial map of the chain benchmarks.
class Affine final : public Stage {
 public:
  void process(Message&& m, Emitter& out, Context&) override {
    m.value = static_cast<std::int64_t>(affine(static_cast<std::uint64_t>(m.value)));
    out.emit(std::move(m));
  }
};

/// About 1 us of CPU per message (spin() with a calibrated iteration count).
class Spin final : public Stage {
 public:
  explicit Spin(std::uint64_t iterations) : iterations_(iterations) {}
  void process(Message&& m, Emitter& out, Context&) override {
    m.value = static_cast<std::int64_t>(spin(static_cast<std::uint64_t>(m.value), iterations_));
    out.emit(std::move(m));
  }

 private:
  std::uint64_t iterations_;
};

/// Adds up Message::value (wrapping) into a caller's total.
class Sum final : public Sink {
 public:
  explicit Sum(std::uint64_t& total) : total_(total) {}
  void consume(std::span<Message> batch, Context&) override {
    for (const auto& m : batch) total_ += static_cast<std::uint64_t>(m.value);
  }

 private:
  std::uint64_t& total_;
};

/// What Sum must see after `stages` Affine maps over values 0..n-1.
inline std::uint64_t chain_checksum(std::uint64_t n, int stages) {
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t x = i;
    for (int s = 0; s < stages; ++s) x = affine(x);
    total += x;
  }
  return total;
}

/// Runs a pipeline to the end; a failed run is a broken benchmark.
inline void run_or_throw(Graph graph, RunOptions options) {
  Pipeline p(std::move(graph), std::move(options));
  const auto result = p.run();
  if (!result.ok()) throw std::runtime_error("pipeline failed: " + result.error);
}

inline void run_or_throw(Graph graph, std::size_t threads) {
  run_or_throw(std::move(graph), RunOptions{.threads = threads});
}

inline std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace sluice::bench
