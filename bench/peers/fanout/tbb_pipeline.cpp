// Fan-out through tbb::parallel_pipeline: a serial source, the work as a
// parallel filter, a serial (out of order) summing sink; 16 tokens.
#include <tbb/parallel_pipeline.h>
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
    std::uint64_t next = 0;
    tbb::parallel_pipeline(
        16, tbb::make_filter<void, std::uint64_t>(tbb::filter_mode::serial_in_order,
                                                  [&](tbb::flow_control& fc) -> std::uint64_t {
                                                    if (next >= a.messages) {
                                                      fc.stop();
                                                      return 0;
                                                    }
                                                    return next++;
                                                  }) &
                tbb::make_filter<std::uint64_t, std::uint64_t>(
                    tbb::filter_mode::parallel,
                    [&](std::uint64_t x) { return sluice::bench::spin(x, a.param); }) &
                tbb::make_filter<std::uint64_t, void>(tbb::filter_mode::serial_out_of_order,
                                                      [&](std::uint64_t x) { total += x; }));
  });
  m.stop();
  m.report(a.messages, total);
}
