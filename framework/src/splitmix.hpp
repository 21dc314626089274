// SplitMix64: a small, fast, seedable generator for stages that draw at
// random (sample, fail, retry jitter) and must give the same draws for the
// same seed.
#pragma once

#include <cstdint>

namespace sluice::builtins {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed = 0) noexcept : state_(seed) {}
  void seed(std::uint64_t s) noexcept { state_ = s; }
  std::uint64_t next() noexcept {
    std::uint64_t x = (state_ += 0x9e3779b97f4a7c15ULL);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
  /// Uniform in [0, 1), from the top 53 bits.
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// True with probability p (0..1).
  bool chance(double p) noexcept {
    constexpr double kTwoTo64 = 18446744073709551616.0;
    if (p <= 0.0) return false;
    if (p * kTwoTo64 >= kTwoTo64) return true;
    return next() < static_cast<std::uint64_t>(p * kTwoTo64);
  }

 private:
  std::uint64_t state_;
};

}  // namespace sluice::builtins
