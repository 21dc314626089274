// Chain through sluice, built with the C++ API: the real Message, the map on
// its 64-bit `value`, one stage per map, default edges (capacity 1024). The
// maps are declared fusable, as a map is: on one thread the runtime runs them
// as one loop (RunOptions::fusion). A fourth argument `unfused` gives each
// map its own task and input queue on one thread too.
#include <memory>
#include <string>
#include <string_view>

#include "bench_stages.hpp"
#include "peer_common.hpp"

int main(int argc, char** argv) {
  using namespace sluice::peers;
  namespace sb = sluice::bench;
  const bool unfused = argc == 5 && std::string_view(argv[4]) == "unfused";
  const Args a = parse_args(unfused ? 4 : argc, argv);
  std::uint64_t total = 0;
  sluice::Graph g;
  const std::uint64_t n = a.messages;
  auto prev = g.add_source("src", [n] { return std::make_unique<sb::Counter>(n); });
  for (std::uint64_t s = 0; s < a.param; ++s) {
    auto next = g.add_stage("map" + std::to_string(s),
                            [] { return std::make_unique<sb::Affine>(); }, {.fusable = !unfused});
    g.connect(prev, next);
    prev = next;
  }
  g.connect(prev, g.add_sink("sum", [&total] { return std::make_unique<sb::Sum>(total); }));
  Measure m;
  sb::run_or_throw(std::move(g), a.threads);
  m.stop();
  check_chain(a, total);
  m.report(a.messages, total);
}
