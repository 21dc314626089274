// Fan-out, the limit on all threads: tbb::parallel_for over the messages,
// per-thread sums combined at the end (nothing to merge in between).
#include <tbb/blocked_range.h>
#include <tbb/combinable.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "peer_common.hpp"
#include "spin.hpp"

int main(int argc, char** argv) {
  using namespace sluice::peers;
  const Args a = parse_args(argc, argv);
  tbb::task_arena arena(static_cast<int>(a.threads));
  tbb::combinable<std::uint64_t> sums([] { return std::uint64_t{0}; });
  Measure m;
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::uint64_t>(0, a.messages),
                      [&](const tbb::blocked_range<std::uint64_t>& r) {
                        std::uint64_t local = 0;
                        for (auto i = r.begin(); i != r.end(); ++i) {
                          local += sluice::bench::spin(i, a.param);
                        }
                        sums.local() += local;
                      });
  });
  const std::uint64_t total = sums.combine([](std::uint64_t x, std::uint64_t y) { return x + y; });
  m.stop();
  m.report(a.messages, total);
}
