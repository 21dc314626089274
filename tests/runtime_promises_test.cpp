// The runtime's promises (docs/architecture.md), measured on the real binary:
// threads stay a small constant whatever the stage count, waiting costs no
// CPU, and memory stays flat however long a backpressured stream runs.
#include <string>

#include "e2e_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support

std::string chain(int stages, int threads, long count) {
  std::string toml = "[pipeline]\nthreads = " + std::to_string(threads) +
                     "\n[stages.s0]\ntype = \"generate\"\ncount = " + std::to_string(count) + "\n";
  for (int i = 1; i < stages; ++i) {
    toml += "[stages.s" + std::to_string(i) + "]\ntype = \"map\"\ninputs = [\"s" +
            std::to_string(i - 1) + "\"]\n";
  }
  toml += "[stages.out]\ntype = \"discard\"\ninputs = [\"s" + std::to_string(stages - 1) + "\"]\n";
  return toml;
}

TEST_F(E2E, ThreadsDoNotGrowWithTheStageCount) {
  // `--fuse never`: `map` is fusable, and on one thread the chain would
  // otherwise run as one loop in one task. Unfused it is 201 tasks.
  write("chain.toml", chain(200, 1, 300'000));
  Sluice run({"run", "chain.toml", "--fuse", "never", "--stats-json", "stats.json"}, dir_);
  ASSERT_EQ(run.wait(), 0) << run.err();
  const auto s = stats();
  ASSERT_EQ(s["stages"].size(), 201u);
  for (const auto& [name, st] : s["stages"].items()) {
    EXPECT_FALSE(st.contains("fused_into")) << name;
    EXPECT_EQ(st["in"], name == "s0" ? 0 : 300'000) << name;
  }
  for (const auto& e : s["edges"]) EXPECT_FALSE(e.contains("fused")) << e;
  // Polled every 10 ms while it ran (about a second on one thread).
  EXPECT_GE(run.thread_samples(), 5);
  // main, one arena worker, the timer thread, the signal watcher, and oneTBB's
  // own helper: a constant, not 200.
  EXPECT_GE(run.peak_threads(), 3);
  EXPECT_LE(run.peak_threads(), 6) << "peak threads of a 200-stage chain on threads = 1";
}

TEST_F(E2E, WaitingOnATimerCostsNoCpu) {
  write("idle.toml",
        "[stages.src]\ntype = \"generate\"\ncount = 3\n"
        "[stages.wait]\ntype = \"delay\"\ninputs = [\"src\"]\nduration = \"1s\"\n"
        "[stages.out]\ntype = \"discard\"\ninputs = [\"wait\"]\n");
  Sluice run({"run", "idle.toml", "--stats-json", "stats.json"}, dir_);
  ASSERT_EQ(run.wait(), 0) << run.err();
  EXPECT_EQ(stats()["stages"]["out"]["in"], 3);
  // A second of waiting; a sleeping worker or a polling loop would burn most of it.
  EXPECT_LT(run.cpu_seconds(), 0.25) << "CPU seconds spent waiting 1 s on a delay";
}

TEST_F(E2E, MemoryStaysFlatWhileStreamingFiftyMillionMessages) {
  // A fast source into a slower consumer through a small blocking edge: the
  // source is held back, so nothing piles up however long the stream.
  auto pipeline = [](long count) {
    return "[pipeline]\nthreads = 2\n"
           "[stages.src]\ntype = \"generate\"\ncount = " +
           std::to_string(count) +
           "\npayload = \"event-{seq}\"\n"
           "[stages.slow]\ntype = \"map\"\ninputs = [\"src\"]\ncapacity = 256\n"
           "key = \"user-{seq % 100}\"\n"
           "[stages.out]\ntype = \"discard\"\ninputs = [\"slow\"]\n";
  };
  write("short.toml", pipeline(1'000'000));
  write("long.toml", pipeline(50'000'000));
  Sluice short_run({"run", "short.toml"}, dir_);
  ASSERT_EQ(short_run.wait(), 0) << short_run.err();
  Sluice long_run({"run", "long.toml", "--stats-json", "stats.json"}, dir_);
  ASSERT_EQ(long_run.wait(std::chrono::seconds(300)), 0) << long_run.err();
  const auto s = stats();
  EXPECT_EQ(s["stages"]["out"]["in"], 50'000'000);
  for (const auto& e : s["edges"]) EXPECT_LE(e["max_depth"], e["capacity"]) << e;
  // ...and that was backpressure at work: the source's queue filled up, or
  // the source waited for room in it.
  const auto& src_edge = s["edges"][0];
  ASSERT_EQ(src_edge["from"], "src");
  EXPECT_TRUE(src_edge["max_depth"] == src_edge["capacity"] || src_edge["blocked_s"] > 0.0)
      << src_edge;
  EXPECT_LT(long_run.max_rss_kib(), short_run.max_rss_kib() + 16 * 1024)
      << "peak RSS (KiB) of 50M messages vs 1M";
}

}  // namespace
