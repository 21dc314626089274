// What every C++ peer program shares: its command line, its timing (wall
// and process CPU) and the one line it prints for compare.sh:
//
//   ns_per_msg=12.3 cpu_ns_per_msg=20.1 checksum=123456789
//
// Usage of every peer: PROGRAM MESSAGES THREADS PARAM, where PARAM is the
// number of maps (chain) or the spin iterations per message (fan-out).
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace sluice::peers {

struct Args {
  std::uint64_t messages{0};
  std::size_t threads{1};
  std::uint64_t param{0};
};

inline Args parse_args(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s MESSAGES THREADS PARAM\n", argv[0]);
    std::exit(2);
  }
  return {std::stoull(argv[1]), std::stoull(argv[2]), std::stoull(argv[3])};
}

inline std::int64_t cpu_ns() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const auto ns = [](const timeval& t) {
    return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 +
           static_cast<std::int64_t>(t.tv_usec) * 1000;
  };
  return ns(ru.ru_utime) + ns(ru.ru_stime);
}

/// Wall and CPU time from construction to report().
class Measure {
 public:
  Measure() : wall0_(std::chrono::steady_clock::now()), cpu0_(cpu_ns()) {}
  void stop() {
    wall_ = std::chrono::steady_clock::now() - wall0_;
    cpu_ = cpu_ns() - cpu0_;
  }
  void report(std::uint64_t messages, std::uint64_t checksum) const {
    report(messages, std::to_string(checksum));
  }
  void report(std::uint64_t messages, const std::string& checksum) const {
    const auto n = static_cast<double>(messages);
    std::printf("ns_per_msg=%.3f cpu_ns_per_msg=%.3f checksum=%s\n",
                static_cast<double>(wall_.count()) / n, static_cast<double>(cpu_) / n,
                checksum.c_str());
  }

 private:
  std::chrono::steady_clock::time_point wall0_;
  std::int64_t cpu0_;
  std::chrono::steady_clock::duration wall_{};
  std::int64_t cpu_{0};
};

/// The chain's map: x = x*31 + 7 on a 64-bit value.
inline std::uint64_t affine(std::uint64_t x) noexcept { return x * 31 + 7; }

/// Keeps the compiler from fusing the maps or the source into a closed form.
inline std::uint64_t opaque(std::uint64_t x) noexcept {
  asm volatile("" : "+r"(x));
  return x;
}

/// What the chain's sink must add up (values 0..n-1 through `stages` maps).
inline std::uint64_t chain_checksum(std::uint64_t n, std::uint64_t stages) {
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t x = i;
    for (std::uint64_t s = 0; s < stages; ++s) x = affine(x);
    total += x;
  }
  return total;
}

/// Exits non-zero when a chain program summed the wrong thing.
inline void check_chain(const Args& a, std::uint64_t total) {
  if (total != chain_checksum(a.messages, a.param)) {
    std::fprintf(stderr, "checksum mismatch\n");
    std::exit(1);
  }
}

}  // namespace sluice::peers
