// Signals in the first milliseconds of a run, hundreds of times: while the
// config loads, while the arena starts, as the first messages flow. Each run
// ends by the signal (a graceful drain, or a cancel after a second one)
// within its drain deadline, never by a crash or a hang, and once sluice is
// past its first instructions (it exited rather than died of the signal) it
// has written complete stats.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>

#include "e2e_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support

/// An endless source through a chain of 24 maps of 2 workers on 8 threads:
/// a start-up with many instances to wake.
std::string long_chain() {
  std::string toml =
      "[pipeline]\nthreads = 8\ndrain_timeout = \"2s\"\n"
      "[stages.s0]\ntype = \"generate\"\n";
  for (int i = 1; i <= 24; ++i) {
    toml += "[stages.s" + std::to_string(i) + "]\ntype = \"map\"\ninputs = [\"s" +
            std::to_string(i - 1) + "\"]\npayload = \"{payload}.\"\nworkers = 2\n";
  }
  return toml + "[stages.out]\ntype = \"discard\"\ninputs = [\"s24\"]\n";
}

TEST_F(E2E, SignalsInTheFirstMillisecondsNeverCrashOrHang) {
  const auto config = write("p.toml", long_chain());
  constexpr int kRuns = 300;
  std::mt19937 rng(20261204);
  const int signals[] = {SIGTERM, SIGINT, SIGHUP};
  for (int run = 0; run < kRuns; ++run) {
    const int sig = signals[rng() % 3];
    const auto first = std::chrono::microseconds(rng() % 6000);
    const bool twice = rng() % 5 == 0;
    const auto second = std::chrono::microseconds(rng() % 3000);
    fs::remove(dir_ / "stats.json");
    Sluice p({"run", config.string(), "--stats-json", "stats.json", "--progress", "never"}, dir_);
    std::this_thread::sleep_for(first);
    p.signal(sig);
    if (twice) {
      std::this_thread::sleep_for(second);
      p.signal(sig);
    }
    const int code = p.wait(std::chrono::seconds(20));
    const std::string what = "run " + std::to_string(run) + ": signal " + std::to_string(sig) +
                             " after " + std::to_string(first.count()) + " us" +
                             (twice ? ", twice" : "") + "\n" + p.err();
    ASSERT_NE(code, -1) << "hung; " << what;
    ASSERT_EQ(code, 128 + sig) << what;
    if (p.signalled()) continue;  // the signal came before main() could block it
    const json s = stats();
    ASSERT_TRUE(s.is_object()) << "incomplete stats; " << what;
    EXPECT_EQ(s["status"], "interrupted") << what;
  }
}

}  // namespace
