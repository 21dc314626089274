// The README's async example plugin (examples/plugins/async_lookup.cpp) run
// by the real `sluice`: calls overlap up to max_in_flight, a call past its
// timeout is tried again, and the checks that apply to async types.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "plugin_support.hpp"

namespace sluice_e2e {
namespace {

std::string lookup_pipeline(const std::string& lookup_keys) {
  return "[stages.src]\ntype = \"generate\"\ncount = 400\n"
         "[stages.lookup]\ntype = \"async_lookup\"\ninputs = [\"src\"]\n" +
         lookup_keys +
         "[stages.out]\ntype = \"file\"\ninputs = [\"lookup\"]\npath = \"out.jsonl\"\n"
         "format = \"json\"\n";
}

TEST_F(Plugins, AsyncCallsOverlapUpToMaxInFlight) {
  // 400 calls of 50 ms: 20 s one at a time, 0.4 s with 50 open at once.
  write("p.toml", lookup_pipeline("latency = \"50ms\"\nmax_in_flight = 50\n"));
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(sluice({"run", "p.toml", "--plugin", plugin("async_lookup"), "--stats-json",
                    "stats.json", "--set", "pipeline.threads=2"}),
            0)
      << err_;
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(took, 4.0) << "the calls did not overlap";
  const auto out = lines(read(dir_ / "out.jsonl"));
  ASSERT_EQ(out.size(), 400u);
  EXPECT_EQ(json::parse(out[0])["attrs"]["looked_up"], "yes");
  EXPECT_EQ(stats()["stages"]["lookup"]["out"], 400);
}

TEST_F(Plugins, AsyncCallsPastTheirTimeoutAreRetried) {
  write("p.toml", lookup_pipeline("latency = \"20ms\"\nslow_every = 10\nmax_in_flight = 50\n"
                                  "timeout = \"100ms\"\n"
                                  "retry = { max_attempts = 3, initial_backoff = \"5ms\" }\n"));
  ASSERT_EQ(
      sluice({"run", "p.toml", "--plugin", plugin("async_lookup"), "--stats-json", "stats.json"}),
      0)
      << err_;
  EXPECT_EQ(lines(read(dir_ / "out.jsonl")).size(), 400u);
  const json st = stats()["stages"]["lookup"];
  EXPECT_GE(st["retries"].get<int>(), 1) << st;
  EXPECT_EQ(st["out"], 400);
  EXPECT_EQ(st["dead_letter"], 0);
}

TEST_F(Plugins, MaxInFlightIsForAsyncTypesAndOrderedAsyncTakesOneWorker) {
  write("p.toml",
        "[stages.src]\ntype = \"generate\"\ncount = 1\n"
        "[stages.m]\ntype = \"map\"\ninputs = [\"src\"]\npayload = \"x\"\nmax_in_flight = 4\n"
        "[stages.out]\ntype = \"discard\"\ninputs = [\"m\"]\n");
  EXPECT_EQ(sluice({"check", "p.toml"}), 2);
  EXPECT_TRUE(contains(err_, "'max_in_flight' applies to async stage types")) << err_;
  write("p.toml", lookup_pipeline("ordered = true\nworkers = 2\n"));
  EXPECT_EQ(sluice({"check", "p.toml", "--plugin", plugin("async_lookup")}), 2);
  EXPECT_TRUE(contains(err_, "an ordered async stage runs with one worker")) << err_;
}

}  // namespace
}  // namespace sluice_e2e
