// Exact counts where a run is cut short (found by the chaos test): every
// message a stage took is in one counter, every edge of a port was offered
// the same, and a dead letter is counted once.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "e2e_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support
using u64 = std::uint64_t;

class CancelAccounting : public E2E {
 protected:
  json run(const std::string& toml) {
    const auto file = write("p.toml", toml);
    Sluice p({"run", file.string(), "--stats-json", "stats.json", "--progress", "never"}, dir_);
    EXPECT_NE(p.wait(std::chrono::seconds(20)), -1) << "hung";
    return stats();
  }
  static u64 accounted(const json& st) {
    return st["out"].get<u64>() + st["filtered"].get<u64>() + st["dropped"].get<u64>() +
           st["dead_letter"].get<u64>() + st["rejected"].get<u64>() + st["abandoned"].get<u64>();
  }
  static const json& edge(const json& s, const std::string& from, const std::string& to) {
    for (const auto& e : s["edges"]) {
      if (e["from"] == from && e["to"] == to) return e;
    }
    ADD_FAILURE() << "no edge " << from << " -> " << to;
    return s;
  }
};

TEST_F(CancelAccounting, ADeadLetterLeftAtTheDrainDeadlineIsCountedOnce) {
  const json s = run(
      "[pipeline]\nrun_for = \"100ms\"\ndrain_timeout = \"10ms\"\n"
      "[stages.src]\ntype = \"generate\"\ncount = 1000\n"
      "[stages.flaky]\ntype = \"fail\"\ninputs = [\"src\"]\nwhen = \"seq % 2 == 0\"\n"
      "on_error = \"dead_letter\"\n"
      "[stages.good]\ntype = \"discard\"\ninputs = [\"flaky\"]\n"
      "[stages.slow]\ntype = \"work\"\ninputs = [{ from = \"flaky.dead_letter\", capacity = 1 }]\n"
      "micros = 2000\n"
      "[stages.dead]\ntype = \"discard\"\ninputs = [\"slow\"]\n");
  const json& flaky = s["stages"]["flaky"];
  EXPECT_EQ(flaky["in"].get<u64>(), accounted(flaky)) << flaky;
  EXPECT_EQ(edge(s, "flaky.dead_letter", "slow")["offered"], flaky["dead_letter"]);
}

TEST_F(CancelAccounting, EveryEdgeOfABroadcastCutShortWasOfferedTheSame) {
  const json s =
      run("[pipeline]\nrun_for = \"100ms\"\ndrain_timeout = \"10ms\"\n"
          "[stages.src]\ntype = \"generate\"\n"
          "[stages.fast]\ntype = \"discard\"\ninputs = [\"src\"]\n"
          "[stages.slow]\ntype = \"work\"\ninputs = [{ from = \"src\", capacity = 1 }]\n"
          "micros = 2000\n"
          "[stages.out]\ntype = \"discard\"\ninputs = [\"slow\"]\n");
  EXPECT_EQ(edge(s, "src", "fast")["offered"], edge(s, "src", "slow")["offered"]);
  EXPECT_EQ(edge(s, "src", "fast")["offered"], s["stages"]["src"]["out"]);
}

TEST_F(CancelAccounting, WhatARateLimitHeldBackIsCountedWhenTheStageStopsEarly) {
  const json s =
      run("[stages.src]\ntype = \"generate\"\ncount = 2000\n"
          "[stages.limit]\ntype = \"rate_limit\"\ninputs = [\"src\"]\nrate = 40000.0\nburst = 40\n"
          "[stages.first]\ntype = \"take\"\ninputs = [\"limit\"]\ncount = 25\n"
          "[stages.out]\ntype = \"discard\"\ninputs = [\"first\"]\n");
  EXPECT_EQ(s["status"], "ok");
  for (const char* name : {"limit", "first"}) {
    const json& st = s["stages"][name];
    EXPECT_EQ(st["in"].get<u64>(), accounted(st)) << name << ": " << st;
  }
}

TEST_F(CancelAccounting, ARateLimitOnAStageWithoutTimersEnds) {
  const json s =
      run("[stages.src]\ntype = \"generate\"\ncount = 10\n"
          "[stages.groups]\ntype = \"count\"\ninputs = [\"src\"]\n"
          "rate_limit = { rate = 1000.0, burst = 1 }\n"
          "[stages.out]\ntype = \"discard\"\ninputs = [\"groups\"]\n");
  EXPECT_EQ(s["status"], "ok");
  EXPECT_EQ(s["stages"]["groups"]["in"], 10);
}

// take stops an ordered, rate-limited stage whose instances hold messages
// back: the batch they came from is still handed over, and the run ends (a
// missing ticket kept the Sequencer's last instance spinning forever).
TEST_F(CancelAccounting, AnOrderedStageStoppedWhileHoldingMessagesBackEnds) {
  const json s =
      run("[pipeline]\nthreads = 1\nbatch = 64\n"
          "[stages.src]\ntype = \"generate\"\ncount = 1908\n"
          "[stages.limit]\ntype = \"rate_limit\"\ninputs = [\"src\"]\nrate = 33364.0\nburst = 2\n"
          "workers = 4\nordered = true\nsemaphore = { permits = 1 }\n"
          "[stages.first]\ntype = \"take\"\ninputs = [{ from = \"limit\", capacity = 51 }]\n"
          "count = 428\n"
          "[stages.out]\ntype = \"discard\"\ninputs = [\"first\"]\n");
  EXPECT_EQ(s["status"], "ok");
  const json& limit = s["stages"]["limit"];
  EXPECT_EQ(limit["in"].get<u64>(), accounted(limit)) << limit;
  EXPECT_EQ(s["stages"]["out"]["in"], 428);
}

}  // namespace
