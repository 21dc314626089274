// spin(): about a microsecond of CPU made of real arithmetic, not of reading
// the clock, so the work per message is the same for every implementation
// (the Go peers run the very same loop). The iteration count that makes one
// microsecond on this machine is measured once.
//
//   const std::uint64_t k = sluice::bench::iterations_per_micro();
//   x = sluice::bench::spin(x, k);
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace sluice::bench {

/// A dependent chain of xorshift-multiply steps: no closed form, no SIMD.
inline std::uint64_t spin(std::uint64_t x, std::uint64_t iterations) noexcept {
  for (std::uint64_t i = 0; i < iterations; ++i) {
    x ^= x >> 29;
    x = x * 0xbf58476d1ce4e5b9ULL + 7;
  }
  return x;
}

/// Iterations of spin() per microsecond: the best of a few timed runs, so
/// that a busy machine does not make the stage lighter than intended.
inline std::uint64_t iterations_per_micro() {
  constexpr std::uint64_t kProbe = 1 << 22;
  double best_ns = 1e18;
  volatile std::uint64_t keep = 0;
  for (int round = 0; round < 5; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    keep = keep + spin(static_cast<std::uint64_t>(round) + 1, kProbe);
    const auto t1 = std::chrono::steady_clock::now();
    best_ns = std::min(best_ns, static_cast<double>((t1 - t0).count()));
  }
  return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(1000.0 * kProbe / best_ns));
}

}  // namespace sluice::bench
