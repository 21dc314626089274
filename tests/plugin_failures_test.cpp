// A plugin that misbehaves never takes the run down with it: an exception
// that is no std::exception meets the stage's on_error like any other (in a
// stage, a fused chain and a sink), and a call that never returns is left
// behind at the drain deadline, named, with the stats written.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>

#include "plugin_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support

/// A pipeline using the test plugin's types; `pipeline`: more [pipeline] keys.
std::string with_types(const std::string& stages, const std::string& pipeline = "") {
  return "[pipeline]\nplugins = [\"" + test_plugin("test_types") + "\"]\n" + pipeline + stages;
}

TEST_F(Plugins, ThrownIntIsDeadLettered) {
  write("p.toml", with_types("[stages.src]\ntype = \"generate\"\ncount = 10\n"
                             "[stages.t]\ntype = \"throws_int\"\ninputs = [\"src\"]\nevery = 5\n"
                             "on_error = \"dead_letter\"\n"
                             "[stages.good]\ntype = \"discard\"\ninputs = [\"t\"]\n"
                             "[stages.dead]\ntype = \"file\"\ninputs = [\"t.dead_letter\"]\n"
                             "path = \"dead.jsonl\"\nformat = \"json\"\n"));
  ASSERT_EQ(sluice({"run", "p.toml", "--stats-json", "stats.json"}), 0) << err_;
  const auto dead = lines(read(dir_ / "dead.jsonl"));
  ASSERT_EQ(dead.size(), 2u);
  for (const auto& line : dead) {
    EXPECT_EQ(json::parse(line)["attrs"]["error"], "an exception not derived from std::exception");
  }
  EXPECT_EQ(stats()["stages"]["t"]["dead_letter"], 2);
  EXPECT_EQ(stats()["stages"]["good"]["in"], 8);
}

TEST_F(Plugins, ThrownIntFailsTheRunWithStatsFusedOrNot) {
  write("p.toml", with_types("[stages.src]\ntype = \"generate\"\ncount = 10\n"
                             "[stages.m]\ntype = \"map\"\ninputs = [\"src\"]\npayload = \"x\"\n"
                             "[stages.t]\ntype = \"throws_int\"\ninputs = [\"m\"]\nevery = 4\n"
                             "[stages.out]\ntype = \"discard\"\ninputs = [\"t\"]\n"));
  for (const char* fuse : {"always", "never"}) {
    EXPECT_EQ(sluice({"run", "p.toml", "--fuse", fuse, "--stats-json", "stats.json"}), 1) << err_;
    EXPECT_TRUE(std::regex_search(
        err_, std::regex("stage 't' \\(seq 4, trace_id [1-9][0-9]*\\): an exception not derived "
                         "from std::exception")))
        << fuse << ": " << err_;
    EXPECT_EQ(stats()["status"], "failed") << fuse;
    EXPECT_EQ(stats()["stages"]["t"]["errors"], 1) << fuse;
  }
}

TEST_F(Plugins, ThrownIntInASinkFailsTheRunWithStats) {
  write("p.toml", with_types("[stages.src]\ntype = \"generate\"\ncount = 10\n"
                             "[stages.out]\ntype = \"throws_int_sink\"\ninputs = [\"src\"]\n"
                             "every = 3\n"));
  EXPECT_EQ(sluice({"run", "p.toml", "--stats-json", "stats.json"}), 1) << err_;
  EXPECT_TRUE(contains(err_, "stage 'out'")) << err_;
  EXPECT_TRUE(contains(err_, "an exception not derived from std::exception")) << err_;
  EXPECT_EQ(stats()["status"], "failed");
}

// The call sleeps a minute and ignores the cancel: the run ends at the
// drain deadline plus the cancel grace (2 s), names the stage, writes stats.
TEST_F(Plugins, StageStuckInACallIsLeftBehindAtTheDrainDeadline) {
  write("p.toml", with_types("[stages.src]\ntype = \"generate\"\ncount = 1\n"
                             "[stages.slow]\ntype = \"stuck\"\ninputs = [\"src\"]\n"
                             "[stages.out]\ntype = \"discard\"\ninputs = [\"slow\"]\n",
                             "run_for = \"100ms\"\ndrain_timeout = \"100ms\"\n"));
  Sluice p({"run", "p.toml", "--stats-json", "stats.json"}, dir_);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(p.wait(std::chrono::seconds(30)), 1) << p.err();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));  // not the minute
  EXPECT_TRUE(contains(p.err(), "stage 'slow': 1 of 1 instance(s) still inside a call")) << p.err();
  EXPECT_EQ(stats()["status"], "failed");
  expect_clean(p);
}

// A plugin instance that breaks for good (flaky_service's outage_after: every
// call after its 10th fails) is healed by a rebuild under on_error = restart:
// each new instance serves 10 calls again.
TEST_F(Plugins, AStagePluginThatBreaksForGoodRecoversUnderOnErrorRestart) {
  write("p.toml",
        "[stages.src]\ntype = \"generate\"\ncount = 100\n"
        "[stages.svc]\ntype = \"flaky_service\"\ninputs = [\"src\"]\nlatency = \"0s\"\n"
        "failure_rate = 0.0\noutage_after = 10\non_error = \"restart\"\n"
        "restart = { max_restarts = 20, within = \"1m\", backoff = { initial = \"1ms\", max = "
        "\"2ms\" } }\n"
        "[stages.good]\ntype = \"file\"\ninputs = [\"svc\"]\npath = \"good.txt\"\n"
        "[stages.dead]\ntype = \"file\"\ninputs = [\"svc.dead_letter\"]\npath = \"dead.jsonl\"\n"
        "format = \"json\"\n");
  ASSERT_EQ(sluice({"run", "p.toml", "--plugin", plugin("flaky_service"), "--stats-json",
                    "stats.json", "--progress", "never"}),
            0)
      << err_;
  // Calls 11, 22, 33, ... of the run are each a fresh instance's 11th.
  const auto dead = lines(read(dir_ / "dead.jsonl"));
  ASSERT_EQ(dead.size(), 9u);
  for (std::size_t i = 0; i < dead.size(); ++i) {
    EXPECT_EQ(json::parse(dead[i])["seq"], 11 * (i + 1)) << dead[i];
    EXPECT_EQ(json::parse(dead[i])["attrs"]["error"], "service down (simulated outage)");
  }
  EXPECT_EQ(lines(read(dir_ / "good.txt")).size(), 91u);
  EXPECT_EQ(stats()["stages"]["svc"]["restarts"], 9);
}

}  // namespace
