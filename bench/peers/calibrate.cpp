// Prints the spin() iterations that make about 1 us on this machine, so that
// every fan-out peer (C++ and Go) does the same work per message.
#include <cstdio>

#include "spin.hpp"

int main() {
  std::printf("%llu\n", static_cast<unsigned long long>(sluice::bench::iterations_per_micro()));
}
