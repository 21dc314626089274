// Fan-out, the single-thread limit: the ~1 us of work per message in a loop.
#include "peer_common.hpp"
#include "spin.hpp"

int main(int argc, char** argv) {
  using namespace sluice::peers;
  const Args a = parse_args(argc, argv);
  Measure m;
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < a.messages; ++i) total += sluice::bench::spin(i, a.param);
  m.stop();
  m.report(a.messages, total);
}
