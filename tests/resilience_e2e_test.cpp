// Retry, circuit breaker, timeout and on_error through the `sluice` binary
// (issue 5), checked by --stats-json and by what the sinks wrote.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

#include "e2e_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support

std::uint64_t u(const json& j, const char* key) { return j.value(key, std::uint64_t{0}); }

class ResilienceE2E : public E2E {
 protected:
  /// Runs a pipeline written into the scratch folder; returns the exit code.
  int run_file(const std::string& name, const std::string& toml) {
    const auto file = write(name + ".toml", toml);
    Sluice p({"run", file.string(), "--stats-json", "stats.json", "--progress", "never"}, dir_);
    const int code = p.wait(std::chrono::seconds(60));
    err_ = p.err();
    return code;
  }
  std::string err_;
};

TEST_F(ResilienceE2E, FailingTwiceUnderThreeAttemptsDeliversEveryMessageOnce) {
  ASSERT_EQ(run_file("retry", R"([stages.src]
type = "generate"
count = 500
[stages.call]
type = "fail"
inputs = ["src"]
attempts = 2
workers = 2
retry = { max_attempts = 3, initial_backoff = "1ms", jitter = "none" }
[stages.out]
type = "file"
inputs = ["call"]
path = "out.txt"
)"),
            0)
      << err_;
  const auto out = lines(read(dir_ / "out.txt"));
  EXPECT_EQ(out.size(), 500u);
  EXPECT_EQ(std::set<std::string>(out.begin(), out.end()).size(), 500u) << "a duplicate";
  const auto s = stats();
  const auto& call = s["stages"]["call"];
  EXPECT_EQ(u(call, "retries"), 1000u);
  EXPECT_EQ(u(call, "errors"), 1000u);
  EXPECT_EQ(u(call, "in"), 500u);
  EXPECT_EQ(u(call, "out"), 500u);
}

TEST_F(ResilienceE2E, PermanentFailuresGoToTheDeadLetterFileWithTheirError) {
  ASSERT_EQ(run_file("permanent", R"([stages.src]
type = "generate"
count = 40
[stages.call]
type = "fail"
inputs = ["src"]
when = "true"
kind = "permanent"
retry = { max_attempts = 5, initial_backoff = "1ms" }
on_error = "dead_letter"
[stages.good]
type = "file"
inputs = ["call"]
path = "good.txt"
[stages.failed]
type = "file"
inputs = ["call.dead_letter"]
path = "failed.jsonl"
format = "json"
)"),
            0)
      << err_;
  EXPECT_EQ(read(dir_ / "good.txt"), "");
  const auto failed = lines(read(dir_ / "failed.jsonl"));
  ASSERT_EQ(failed.size(), 40u);
  for (const auto& l : failed) {
    const auto m = json::parse(l);
    EXPECT_EQ(m["attrs"]["error"], "injected permanent failure");
    EXPECT_EQ(m["attrs"]["stage"], "call");
    EXPECT_EQ(m["attrs"]["attempts"], "1") << "a permanent failure is not retried";
  }
  EXPECT_EQ(u(stats()["stages"]["call"], "retries"), 0u);
  EXPECT_NE(err_.find("failed after 1 attempt: injected permanent failure"), std::string::npos)
      << err_;
}

// Without retry a final failure is logged too, for drop as for dead_letter.
TEST_F(ResilienceE2E, FinalFailuresAreLoggedWithoutRetry) {
  for (const char* policy : {"drop", "dead_letter"}) {
    ASSERT_EQ(run_file("log", std::string(R"([stages.src]
type = "generate"
count = 20

[stages.check]
type = "fail"
inputs = ["src"]
when = "seq % 10 == 0"
kind = "permanent"
on_error = ")") + policy + R"("

[stages.out]
type = "discard"
inputs = ["check"]
)"),
              0)
        << err_;
    EXPECT_NE(
        err_.find("check: message seq 10 failed after 1 attempt: injected permanent "
                  "failure; " +
                  std::string(std::string(policy) == "drop" ? "dropped" : "sent to dead_letter")),
        std::string::npos)
        << policy << ": " << err_;
  }
}

TEST_F(ResilienceE2E, ABreakerInFrontOfADeadServiceLosesNothing) {
  ASSERT_EQ(run_file("dead_service", R"([breakers.svc]
window = 10
min_calls = 10
failure_rate = 0.5
open_for = "1h"
[stages.src]
type = "generate"
count = 2000
[stages.call]
type = "fail"
inputs = ["src"]
when = "true"
retry = { max_attempts = 3, initial_backoff = "1ms" }
circuit_breaker = "svc"
on_error = "dead_letter"
[stages.good]
type = "file"
inputs = ["call"]
path = "good.txt"
[stages.failed]
type = "file"
inputs = ["call.dead_letter"]
path = "failed.jsonl"
format = "json"
[stages.rejected]
type = "file"
inputs = ["call.rejected"]
path = "rejected.jsonl"
format = "json"
)"),
            0)
      << err_;
  const auto s = stats();
  const auto& call = s["stages"]["call"];
  EXPECT_EQ(u(call, "in"), 2000u);
  EXPECT_EQ(u(call, "in"), u(call, "out") + u(call, "rejected") + u(call, "dead_letter"));
  EXPECT_EQ(u(call, "out"), 0u);
  EXPECT_GT(u(call, "rejected"), 1900u) << "the breaker should have opened early";
  EXPECT_EQ(lines(read(dir_ / "rejected.jsonl")).size(), u(call, "rejected"));
  EXPECT_EQ(lines(read(dir_ / "failed.jsonl")).size(), u(call, "dead_letter"));
  EXPECT_EQ(call["breaker"]["name"], "svc");
  EXPECT_EQ(call["breaker"]["state"], "open");
  const auto rejected = json::parse(lines(read(dir_ / "rejected.jsonl")).front());
  EXPECT_EQ(rejected["attrs"]["error"], "circuit breaker 'svc' is open");
  EXPECT_NE(err_.find("circuit breaker 'svc' closed -> open"), std::string::npos) << err_;
}

TEST_F(ResilienceE2E, ASharedBreakerOpensForEveryStageThatNamesIt) {
  ASSERT_EQ(run_file("shared", R"([breakers.db]
window = 5
min_calls = 5
open_for = "1h"
[stages.src]
type = "generate"
count = 100
[stages.first]
type = "fail"
inputs = ["src"]
when = "seq <= 10"
circuit_breaker = "db"
on_error = "drop"
[stages.second]
type = "fail"
inputs = ["first.rejected"]
circuit_breaker = "db"
[stages.out]
type = "discard"
inputs = ["first", "second", "second.rejected"]
)"),
            0)
      << err_;
  const auto s = stats();
  // `first` opens the breaker after its 5 failures and rejects the other 95;
  // `second` would pass them all, but shares the open breaker: it rejects them.
  EXPECT_EQ(u(s["stages"]["first"], "dropped"), 5u);
  EXPECT_EQ(u(s["stages"]["first"], "rejected"), 95u);
  EXPECT_EQ(u(s["stages"]["second"], "in"), 95u);
  EXPECT_EQ(u(s["stages"]["second"], "rejected"), 95u);
  EXPECT_EQ(s["stages"]["second"]["breaker"]["state"], "open");
}

TEST_F(ResilienceE2E, AnAttemptPastItsTimeoutFailsAsTransient) {
  ASSERT_EQ(run_file("timeout", R"([stages.src]
type = "generate"
count = 5
[stages.slow]
type = "work"
inputs = ["src"]
micros = 20000
timeout = "1ms"
retry = { max_attempts = 2, initial_backoff = "1ms" }
on_error = "dead_letter"
[stages.out]
type = "file"
inputs = ["slow"]
path = "out.txt"
[stages.failed]
type = "file"
inputs = ["slow.dead_letter"]
path = "failed.jsonl"
format = "json"
)"),
            0)
      << err_;
  EXPECT_EQ(read(dir_ / "out.txt"), "") << "a late result must be discarded";
  const auto failed = lines(read(dir_ / "failed.jsonl"));
  ASSERT_EQ(failed.size(), 5u);
  EXPECT_EQ(json::parse(failed[0])["attrs"]["error"], "timed out after 0.001s");
  EXPECT_EQ(json::parse(failed[0])["attrs"]["attempts"], "2") << "a timeout is retried";
  EXPECT_EQ(u(stats()["stages"]["slow"], "retries"), 5u);
}

TEST_F(ResilienceE2E, FlakyCallSampleDeliversOrDeadLettersEveryMessage) {
  Sluice p({"run", (kPipelines / "flaky_call.toml").string(), "--stats-json", "stats.json",
            "--progress", "never"},
           dir_);
  ASSERT_EQ(p.wait(), 0) << p.err();
  EXPECT_EQ(lines(read(dir_ / "flaky_call.good.txt")).size(), 294u);
  const auto failed = lines(read(dir_ / "flaky_call.failed.jsonl"));
  ASSERT_EQ(failed.size(), 6u);
  EXPECT_EQ(json::parse(failed[0])["attrs"]["stage"], "validate");
  const auto s = stats();
  const auto& call = s["stages"]["call"];
  EXPECT_EQ(u(call, "out"), 294u);
  EXPECT_GT(u(call, "retries"), 0u);
  EXPECT_EQ(u(call, "retries") % 2, 0u) << "each outage costs exactly two retries";
  EXPECT_EQ(u(call, "retries"), u(call, "errors"));
}

TEST_F(ResilienceE2E, OnErrorFailStopsAnEndlessPipelinePromptly) {
  const auto file = kPipelines / "failures" / "fail_fast.toml";
  Sluice check({"check", file.string()}, dir_);
  EXPECT_EQ(check.wait(), 0) << check.err();
  Sluice p({"run", file.string(), "--stats-json", "stats.json", "--progress", "never"}, dir_);
  ASSERT_EQ(p.wait(std::chrono::seconds(20)), 1) << p.err();
  EXPECT_NE(p.err().find("check"), std::string::npos) << p.err();
  EXPECT_NE(p.err().find("5000"), std::string::npos) << p.err();
  EXPECT_NE(p.err().find("injected permanent failure"), std::string::npos) << p.err();
  const auto s = stats();
  EXPECT_EQ(s["status"], "failed");
  EXPECT_EQ(u(s["stages"]["check"], "errors"), 1u);
  EXPECT_EQ(u(s["stages"]["check"], "retries"), 0u);
}

}  // namespace
