// Chain, the limit: source, maps and sum fused into one loop on one thread.
#include "peer_common.hpp"

int main(int argc, char** argv) {
  using namespace sluice::peers;
  const Args a = parse_args(argc, argv);
  Measure m;
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < a.messages; ++i) {
    std::uint64_t x = opaque(i);
    for (std::uint64_t s = 0; s < a.param; ++s) x = opaque(affine(x));
    total += x;
  }
  m.stop();
  check_chain(a, total);
  m.report(a.messages, total);
}
