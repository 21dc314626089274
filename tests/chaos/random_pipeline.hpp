// A random valid pipeline of built-in stage types, drawn from a seed: its
// TOML text and what the chaos test needs to check its stats (each stage's
// type and shape, the edges the file declares).
//
//   chaos::Rng rng(seed);
//   chaos::RandomPipeline p = chaos::random_pipeline(rng, {.finite = true});
//   write("pipeline.toml", p.toml);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chaos {

/// SplitMix64: the same draws for the same seed on every platform (the
/// standard distributions are implementation-defined).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t x = (state_ += 0x9e3779b97f4a7c15ULL);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
  /// Uniform in [lo, hi].
  long range(long lo, long hi) noexcept {
    return lo + static_cast<long>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool chance(double p) noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }
  template <typename T>
  const T& pick(const std::vector<T>& from) noexcept {
    return from[next() % from.size()];
  }

 private:
  std::uint64_t state_;
};

struct StageInfo {
  std::string name;
  std::string type;
  bool source{false};
  bool sink{false};
  std::string mode{};                ///< fan_out's mode
  long outputs{0};                   ///< fan_out's port count
  long size{0};                      ///< batch's size
  std::vector<std::string> ports{};  ///< output ports it may emit on (none for a sink)
  bool stuck{false};  ///< a call that outlasts every deadline: the run ends without it
};

struct EdgeInfo {
  std::string from_stage;
  std::string from_port;  ///< "out" for the default port
  std::string to;
};

struct RandomPipeline {
  std::string toml;
  std::vector<StageInfo> stages;
  std::vector<EdgeInfo> edges;
  std::string input_file;    ///< what a `file` source reads (input.txt), empty if none
  long drain_timeout_ms{0};  ///< always set, so that a stop is bounded
  bool endless{false};       ///< some source never ends by itself
  bool may_fail{false};      ///< some stage has on_error = "fail" and can fail, or is stuck
};

struct Shape {
  bool finite{true};   ///< every source ends by itself (no signal, no run_for)
  long run_for_ms{0};  ///< > 0: [pipeline] run_for
};

RandomPipeline random_pipeline(Rng& rng, const Shape& shape);

}  // namespace chaos
