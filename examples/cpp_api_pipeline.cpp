// A pipeline built and run from C++, without TOML: numbers -> square (4
// ordered workers) -> sum, with the run's stats printed at the end.
#include <atomic>
#include <cstdint>
#include <iostream>
#include <memory>

#include "sluice/graph.hpp"
#include "sluice/pipeline.hpp"

namespace {

class Numbers final : public sluice::Source {
 public:
  explicit Numbers(std::uint64_t n) : n_(n) {}
  sluice::SourceStatus produce(sluice::Emitter& out, sluice::Context&,
                               std::size_t budget) override {
    for (std::size_t i = 0; i < budget && next_ <= n_; ++i, ++next_) {
      sluice::Message m;
      m.seq = next_;
      m.value = static_cast<std::int64_t>(next_);
      out.emit(std::move(m));
    }
    return next_ > n_ ? sluice::SourceStatus::done : sluice::SourceStatus::more;
  }

 private:
  std::uint64_t n_;
  std::uint64_t next_{1};
};

class Square final : public sluice::Stage {
 public:
  void process(sluice::Message&& m, sluice::Emitter& out, sluice::Context&) override {
    m.value *= m.value;
    out.emit(std::move(m));
  }
};

class Sum final : public sluice::Sink {
 public:
  explicit Sum(std::atomic<std::int64_t>& total) : total_(total) {}
  void consume(std::span<sluice::Message> batch, sluice::Context&) override {
    for (const auto& m : batch) {
      if (m.seq != expected_++) throw std::runtime_error("out of order");
      total_ += m.value;
    }
  }

 private:
  std::atomic<std::int64_t>& total_;
  std::uint64_t expected_{1};
};

}  // namespace

int main() {
  static constexpr std::uint64_t kCount = 100'000;
  std::atomic<std::int64_t> total{0};

  sluice::Graph g;
  auto src = g.add_source("numbers", [] { return std::make_unique<Numbers>(kCount); });
  auto sq = g.add_stage("square", [] { return std::make_unique<Square>(); },
                        {.workers = 4, .ordered = true});
  auto sum = g.add_sink("sum", [&total] { return std::make_unique<Sum>(total); });
  g.connect(src, sq, {.capacity = 256});
  g.connect(sq, sum);

  sluice::Pipeline pipeline(std::move(g), {.threads = 2, .name = "cpp_api"});
  const auto result = pipeline.run();
  if (!result.ok()) {
    std::cerr << "failed in " << result.error_stage << ": " << result.error << "\n";
    return 1;
  }
  std::cout << "sum of squares 1.." << kCount << " = " << total.load() << "\n";
  std::cout << sluice::to_json(pipeline.stats()) << "\n";
  return 0;
}
