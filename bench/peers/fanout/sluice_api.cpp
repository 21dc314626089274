// Fan-out through sluice, built with the C++ API: the real Message, the
// work on its 64-bit `value`, one stage with `workers = 4` (4 instances
// sharing its input channel), all merging into one summing sink.
#include <memory>

#include "bench_stages.hpp"
#include "peer_common.hpp"

int main(int argc, char** argv) {
  using namespace sluice::peers;
  namespace sb = sluice::bench;
  const Args a = parse_args(argc, argv);
  std::uint64_t total = 0;
  sluice::Graph g;
  const std::uint64_t n = a.messages, k = a.param;
  auto src = g.add_source("src", [n] { return std::make_unique<sb::Counter>(n); });
  auto work = g.add_stage("work", [k] { return std::make_unique<sb::Spin>(k); }, {.workers = 4});
  g.connect(src, work);
  g.connect(work, g.add_sink("sum", [&total] { return std::make_unique<sb::Sum>(total); }));
  Measure m;
  sb::run_or_throw(std::move(g), a.threads);
  m.stop();
  m.report(a.messages, total);
}
