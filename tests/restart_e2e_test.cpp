// Supervised restarts and a source's retries through the real `sluice`: a
// source that throws is reopened where it was, a stage that breaks for good
// is rebuilt under on_error = "restart", and past max_restarts within
// `within` the run fails as before.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "e2e_support.hpp"

namespace sluice_e2e {
namespace {

using RestartE2E = PipelineFileE2E;

const std::string kQuickRestart =
    "restart = { max_restarts = MAX, within = \"1m\", backoff = { initial = \"1ms\", max = "
    "\"4ms\" } }\n";

std::string quick_restart(int max_restarts) {
  std::string s = kQuickRestart;
  s.replace(s.find("MAX"), 3, std::to_string(max_restarts));
  return s;
}

/// generate (count, failing once after every 1000) -> out.txt.
std::string failing_source(const std::string& source_keys) {
  return "[stages.src]\ntype = \"generate\"\ncount = 5000\nfail_every = 1000\n" + source_keys +
         "[stages.out]\ntype = \"file\"\ninputs = [\"src\"]\npath = \"out.txt\"\n";
}

void expect_every_seq_once_in_order(const std::vector<std::string>& out, int count) {
  ASSERT_EQ(out.size(), static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) ASSERT_EQ(out[i], std::to_string(i + 1)) << "line " << i + 1;
}

TEST_F(RestartE2E, ASourceThatThrowsIsReopenedWhereItWasAndDeliversEverything) {
  ASSERT_EQ(run_file(failing_source(quick_restart(10))), 0) << err_;
  expect_every_seq_once_in_order(lines(read(dir_ / "out.txt")), 5000);
  const auto s = stats();
  EXPECT_EQ(s["status"], "ok");
  EXPECT_EQ(s["stages"]["src"]["restarts"], 4);
  EXPECT_EQ(s["stages"]["src"]["errors"], 4);
  EXPECT_EQ(s["stages"]["out"]["in"], 5000);
  EXPECT_NE(err_.find("injected failure after message 1000; restarting in 0.001s"),
            std::string::npos)
      << err_;
}

// A graceful stop does not wait out a source's restart backoff: the source
// stays closed and the run drains what it made. (Waiting would take the
// backoff's 10 minutes, past this test's 60 s.)
TEST_F(RestartE2E, AStopEndsASourceWaitingToRestartAtOnce) {
  const std::string toml =
      "[pipeline]\nrun_for = \"200ms\"\ndrain_timeout = \"30m\"\n"
      "[stages.src]\ntype = \"generate\"\nfail_every = 100\nrate = 10000\n"
      "restart = { backoff = { initial = \"10m\", max = \"10m\" } }\n"
      "[stages.out]\ntype = \"file\"\ninputs = [\"src\"]\npath = \"out.txt\"\n";
  ASSERT_EQ(run_file(toml), 0) << err_;  // stopped by run_for, drained in time
  expect_every_seq_once_in_order(lines(read(dir_ / "out.txt")), 100);
  const auto s = stats();
  EXPECT_EQ(s["stages"]["src"]["restarts"], 1);
  EXPECT_EQ(s["stages"]["out"]["in"], 100);
}

TEST_F(RestartE2E, PastMaxRestartsWithinThePeriodTheRunFails) {
  EXPECT_EQ(run_file(failing_source(quick_restart(2))), 1) << err_;
  EXPECT_NE(err_.find("stage 'src'"), std::string::npos) << err_;
  EXPECT_NE(err_.find("injected failure after message 3000 (restarted 2 times within 60s: "
                      "giving up)"),
            std::string::npos)
      << err_;
  const auto s = stats();
  EXPECT_EQ(s["status"], "failed");
  EXPECT_EQ(s["stages"]["src"]["restarts"], 2);
  // What it made before it gave up went out; the failed run abandons what is in flight.
  EXPECT_EQ(s["stages"]["src"]["out"], 3000);
  const auto& edge = s["edges"][0];
  EXPECT_EQ(edge["offered"], 3000);
  EXPECT_EQ(edge["taken"].get<int>() + edge["abandoned"].get<int>(), 3000) << edge;
}

TEST_F(RestartE2E, WithoutRestartAFailingSourceFailsTheRun) {
  EXPECT_EQ(run_file(failing_source("")), 1) << err_;
  EXPECT_NE(err_.find("injected failure after message 1000"), std::string::npos) << err_;
}

TEST_F(RestartE2E, ASourceRetriesProduceBeforeItRestarts) {
  ASSERT_EQ(
      run_file(failing_source(
          "retry = { max_attempts = 3, initial_backoff = \"1ms\", max_backoff = \"2ms\" }\n")),
      0)
      << err_;
  expect_every_seq_once_in_order(lines(read(dir_ / "out.txt")), 5000);
  const auto s = stats();
  EXPECT_EQ(s["stages"]["src"]["retries"], 4);
  EXPECT_EQ(s["stages"]["src"]["restarts"], 0);
  EXPECT_NE(err_.find("produce failed (attempt 1 of 3)"), std::string::npos) << err_;
}

/// generate 100 -> fail (breaks for good at seq % 10 == 0) -> out.txt; dead letters -> dead.jsonl.
std::string breaking_stage(const std::string& stage_keys) {
  return "[stages.src]\ntype = \"generate\"\ncount = 100\n"
         "[stages.f]\ntype = \"fail\"\ninputs = [\"src\"]\nwhen = \"seq % 10 == 0\"\n"
         "sticky = true\n" +
         stage_keys +
         "[stages.out]\ntype = \"file\"\ninputs = [\"f\"]\npath = \"out.txt\"\n"
         "[stages.dead]\ntype = \"file\"\ninputs = [\"f.dead_letter\"]\npath = \"dead.jsonl\"\n"
         "format = \"json\"\n";
}

TEST_F(RestartE2E, AStageThatBreaksForGoodRecoversUnderOnErrorRestart) {
  ASSERT_EQ(run_file(breaking_stage("on_error = \"restart\"\n" + quick_restart(20))), 0) << err_;
  const auto out = lines(read(dir_ / "out.txt"));
  const auto dead = lines(read(dir_ / "dead.jsonl"));
  EXPECT_EQ(out.size(), 90u);
  ASSERT_EQ(dead.size(), 10u);
  for (std::size_t i = 0; i < dead.size(); ++i) {
    const auto d = json::parse(dead[i]);
    EXPECT_EQ(d["seq"], 10 * (i + 1));
    EXPECT_EQ(d["attrs"]["error"], "injected transient failure");
  }
  const auto s = stats();
  EXPECT_EQ(s["stages"]["f"]["restarts"], 10);
  EXPECT_EQ(s["stages"]["f"]["in"], 100);
  EXPECT_EQ(s["stages"]["f"]["out"], 90);
  EXPECT_EQ(s["stages"]["f"]["dead_letter"], 10);
  EXPECT_NE(err_.find("sent to dead_letter; the stage restarts"), std::string::npos) << err_;
}

TEST_F(RestartE2E, WithoutRestartABrokenStageDeadLettersEverythingAfter) {
  ASSERT_EQ(run_file(breaking_stage("on_error = \"dead_letter\"\n")), 0) << err_;
  EXPECT_EQ(lines(read(dir_ / "out.txt")).size(), 9u);
  EXPECT_EQ(lines(read(dir_ / "dead.jsonl")).size(), 91u);
}

TEST_F(RestartE2E, CheckWarnsOfARestartThatIsNotEnforced) {
  EXPECT_EQ(run_file(breaking_stage("on_error = \"dead_letter\"\n" + quick_restart(3)), "check"),
            0);
  EXPECT_NE(err_.find("'restart' of 'f' is not enforced"), std::string::npos) << err_;
}

TEST_F(RestartE2E, CheckRejectsABackoffWhoseMaxIsBelowItsInitial) {
  EXPECT_EQ(
      run_file(failing_source("restart = { backoff = { initial = \"1s\", max = \"10ms\" } }\n"),
               "check"),
      2);
  EXPECT_NE(err_.find("'max' in 'restart.backoff' in stage 'src' is less than 'initial'"),
            std::string::npos)
      << err_;
}

}  // namespace
}  // namespace sluice_e2e
