// Chain through tbb::flow::graph: an input_node, one serial function_node
// per map, a serial summing node.
#include <tbb/flow_graph.h>
#include <tbb/task_arena.h>

#include <memory>
#include <vector>

#include "peer_common.hpp"

int main(int argc, char** argv) {
  using namespace sluice::peers;
  using Map = tbb::flow::function_node<std::uint64_t, std::uint64_t>;
  const Args a = parse_args(argc, argv);
  tbb::task_arena arena(static_cast<int>(a.threads));
  std::uint64_t total = 0;
  Measure m;
  arena.execute([&] {
    tbb::flow::graph g;
    std::uint64_t next = 0;
    tbb::flow::input_node<std::uint64_t> src(g, [&](tbb::flow_control& fc) -> std::uint64_t {
      if (next >= a.messages) {
        fc.stop();
        return 0;
      }
      return next++;
    });
    std::vector<std::unique_ptr<Map>> maps;
    for (std::uint64_t s = 0; s < a.param; ++s) {
      maps.push_back(
          std::make_unique<Map>(g, tbb::flow::serial, [](std::uint64_t x) { return affine(x); }));
      if (s == 0) {
        tbb::flow::make_edge(src, *maps.back());
      } else {
        tbb::flow::make_edge(*maps[s - 1], *maps.back());
      }
    }
    tbb::flow::function_node<std::uint64_t> sum(g, tbb::flow::serial, [&](std::uint64_t x) {
      total += x;
      return tbb::flow::continue_msg();
    });
    if (maps.empty()) {
      tbb::flow::make_edge(src, sum);
    } else {
      tbb::flow::make_edge(*maps.back(), sum);
    }
    src.activate();
    g.wait_for_all();
  });
  m.stop();
  check_chain(a, total);
  m.report(a.messages, total);
}
