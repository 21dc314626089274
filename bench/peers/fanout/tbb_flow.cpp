// Fan-out through tbb::flow::graph: an input_node, a function_node of
// concurrency 4 (the 4 workers), a serial summing node (the merge).
#include <tbb/flow_graph.h>
#include <tbb/task_arena.h>

#include "peer_common.hpp"
#include "spin.hpp"

int main(int argc, char** argv) {
  using namespace sluice::peers;
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
    tbb::flow::function_node<std::uint64_t, std::uint64_t> work(
        g, 4, [&](std::uint64_t x) { return sluice::bench::spin(x, a.param); });
    tbb::flow::function_node<std::uint64_t> sum(g, tbb::flow::serial, [&](std::uint64_t x) {
      total += x;
      return tbb::flow::continue_msg();
    });
    tbb::flow::make_edge(src, work);
    tbb::flow::make_edge(work, sum);
    src.activate();
    g.wait_for_all();
  });
  m.stop();
  m.report(a.messages, total);
}
