#include "sluice/pipeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <numeric>
#include <string>
#include <thread>

#include "runtime/test_stages.hpp"

namespace sluice {
namespace {

using testing::Collected;
using testing::CollectSink;
using testing::CountingSource;
using testing::PassThrough;

std::vector<std::uint64_t> iota(std::uint64_t n) {
  std::vector<std::uint64_t> v(n);
  std::iota(v.begin(), v.end(), 1);
  return v;
}

int process_threads() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

/// The threads of the process before a test starts a pipeline, once one
/// thread has been started and joined: ThreadSanitizer's runtime starts a
/// helper thread of its own with the first thread a process creates.
int baseline_threads() {
  std::thread([] {}).join();
  return process_threads();
}

using testing::stage;

TEST(Pipeline, LongChainOnOneThreadDeliversEverythingInOrder) {
  static constexpr std::uint64_t kCount = 20000;
  Collected got;
  Graph g;
  auto prev = g.add_source("src", [] { return std::make_unique<CountingSource>(kCount); });
  for (int i = 0; i < 200; ++i) {
    auto next =
        g.add_stage("s" + std::to_string(i), [] { return std::make_unique<PassThrough>(); });
    g.connect(prev, next, {.capacity = 64});
    prev = next;
  }
  g.connect(prev, g.add_sink("out", [&] { return std::make_unique<CollectSink>(got); }));
  Pipeline p(std::move(g), {.threads = 1});
  p.start();
  const int threads_while_running = process_threads();
  const auto r = p.wait();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(got.snapshot(), iota(kCount));
  // One worker, the timer thread, the test's own threads: a constant, not 200.
  EXPECT_LE(threads_while_running, 8);
  const auto s = p.stats();
  for (const auto& st : s.stages) {
    if (st.name != "src") {
      EXPECT_EQ(st.in, kCount) << st.name;
    }
  }
  for (const auto& e : s.edges) EXPECT_LE(e.max_depth, e.capacity);
}

TEST(Pipeline, OrderedWorkersRestoreInputOrder) {
  static constexpr std::uint64_t kCount = 50000;
  Collected got;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(kCount); });
  auto work = g.add_stage("work", [] { return std::make_unique<PassThrough>(); },
                          {.workers = 4, .ordered = true});
  auto out = g.add_sink("out", [&] { return std::make_unique<CollectSink>(got); });
  g.connect(src, work, {.capacity = 128});
  g.connect(work, out, {.capacity = 16});
  Pipeline p(std::move(g), {.threads = 2, .batch = 32});
  const auto r = p.run();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(got.snapshot(), iota(kCount));
}

TEST(Pipeline, UnorderedWorkersDeliverEveryMessageOnce) {
  static constexpr std::uint64_t kCount = 50000;
  Collected got;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(kCount); });
  auto work = g.add_stage("work", [] { return std::make_unique<PassThrough>(); }, {.workers = 3});
  auto out = g.add_sink("out", [&] { return std::make_unique<CollectSink>(got); }, {.workers = 2});
  g.connect(src, work);
  g.connect(work, out);
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  auto seqs = got.snapshot();
  std::sort(seqs.begin(), seqs.end());
  EXPECT_EQ(seqs, iota(kCount));
  EXPECT_EQ(stage(p.stats(), "work").in, kCount);
  EXPECT_EQ(stage(p.stats(), "work").out, kCount);
}

TEST(Pipeline, DropPoliciesConserveMessagesExactly) {
  for (auto policy : {Overflow::drop_newest, Overflow::drop_oldest}) {
    static constexpr std::uint64_t kCount = 100000;
    Collected got;
    Graph g;
    auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(kCount); });
    auto out = g.add_sink("out", [&] { return std::make_unique<CollectSink>(got); });
    g.connect(src, out, {.capacity = 8, .overflow = policy});
    Pipeline p(std::move(g), {.threads = 2});
    ASSERT_TRUE(p.run().ok());
    const auto s = p.stats();
    ASSERT_EQ(s.edges.size(), 1u);
    EXPECT_EQ(stage(s, "src").out, kCount);
    EXPECT_EQ(stage(s, "out").in + s.edges[0].dropped, kCount) << to_string(policy);
    EXPECT_EQ(got.snapshot().size(), stage(s, "out").in);
    EXPECT_LE(s.edges[0].max_depth, 8u);
    const auto seqs = got.snapshot();
    EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end())) << "drops never reorder";
  }
}

TEST(Pipeline, BroadcastCopiesToEveryConsumer) {
  static constexpr std::uint64_t kCount = 10000;
  Collected a, b;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(kCount); });
  g.connect(src, g.add_sink("a", [&] { return std::make_unique<CollectSink>(a); }));
  g.connect(src, g.add_sink("b", [&] { return std::make_unique<CollectSink>(b); }),
            {.capacity = 7});
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  EXPECT_EQ(a.snapshot(), iota(kCount));
  EXPECT_EQ(b.snapshot(), iota(kCount));
}

TEST(Pipeline, ConsumerThatStopsEarlyStopsAnEndlessSource) {
  Collected got;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(0); });
  auto mid = g.add_stage("mid", [] { return std::make_unique<PassThrough>(); });
  auto take = g.add_stage("take", [] { return std::make_unique<testing::StopAfter>(1000); });
  g.connect(src, mid);
  g.connect(mid, take);
  g.connect(take, g.add_sink("out", [&] { return std::make_unique<CollectSink>(got); }));
  Pipeline p(std::move(g), {.threads = 2});
  const auto r = p.run();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(got.snapshot(), iota(1000));
  const auto s = p.stats();
  const auto& t = stage(s, "take");
  EXPECT_EQ(t.in, t.out + t.filtered);
}

TEST(Pipeline, FirstFatalErrorWinsAndCancelsTheRun) {
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(0); });
  auto bad = g.add_stage("bad", [] { return std::make_unique<testing::ThrowOn>(500); });
  g.connect(src, bad);
  Collected got;
  g.connect(bad, g.add_sink("out", [&] { return std::make_unique<CollectSink>(got); }));
  Pipeline p(std::move(g), {.threads = 2});
  const auto r = p.run();
  EXPECT_EQ(r.status, RunStatus::failed);
  EXPECT_EQ(r.error_stage, "bad");
  EXPECT_TRUE(r.has_error_seq);
  EXPECT_EQ(r.error_seq, 500u);
  EXPECT_EQ(r.error, "boom at 500");
  const auto seqs = got.snapshot();
  EXPECT_TRUE(std::none_of(seqs.begin(), seqs.end(), [](auto s) { return s >= 500; }));
  EXPECT_EQ(stage(p.stats(), "bad").errors, 1u);
}

TEST(Pipeline, GracefulStopDrainsWhatIsInFlight) {
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(0); });
  auto mid = g.add_stage("mid", [] { return std::make_unique<PassThrough>(); }, {.workers = 2});
  Collected got;
  g.connect(src, mid);
  g.connect(mid, g.add_sink("out", [&] { return std::make_unique<CollectSink>(got); }));
  Pipeline p(std::move(g), {.threads = 2});
  p.start();
  while (got.snapshot().size() < 10000) std::this_thread::yield();
  p.stop();
  const auto r = p.wait();
  EXPECT_EQ(r.status, RunStatus::interrupted);
  EXPECT_EQ(r.abandoned, 0u);
  const auto s = p.stats();
  EXPECT_EQ(stage(s, "src").out, stage(s, "out").in) << "every message emitted was delivered";
  EXPECT_EQ(got.snapshot().size(), stage(s, "out").in);
}

/// Arms a timer an hour away on its first message (a wait that the end of
/// the run must drop, not keep a thread for).
class ArmsAFarTimer final : public Stage {
 public:
  void process(Message&& m, Emitter& out, Context& ctx) override {
    if (!armed_) {
      armed_ = true;
      ctx.wake_at(ctx.now() + 3600 * kNanosPerSecond);
    }
    out.emit(std::move(m));
  }
  void on_timer(Emitter&, Context&) override {}

 private:
  bool armed_{false};
};

TEST(Pipeline, NoThreadOrTimerOutlivesTheRunButTheArenaWorkers) {
  // The timer thread and the I/O pool are joined by wait(), even with a timer
  // still armed an hour away; what remains are
  // oneTBB's idle workers, process-wide, at most `threads` of them, and the
  // same ones for every later run (README, "Threads").
  static constexpr std::size_t kThreads = 2;
  const int before = baseline_threads();
  int after_first = 0;
  int most = 0;
  for (int run = 0; run < 30; ++run) {
    Collected got;
    Graph g;
    auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(1000); });
    auto timer = g.add_stage("timer", [] { return std::make_unique<ArmsAFarTimer>(); });
    auto io = g.add_stage("io", [] { return std::make_unique<PassThrough>(); }, {.blocking = true});
    g.connect(src, timer);
    g.connect(timer, io);
    g.connect(io, g.add_sink("out", [&] { return std::make_unique<CollectSink>(got); }));
    Pipeline p(std::move(g), {.threads = kThreads});
    p.start();
    const auto r = p.wait();
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(got.snapshot().size(), 1000u);
    const int now = process_threads();
    if (run == 0) after_first = now;
    most = std::max(most, now);
  }
  EXPECT_LE(after_first, before + static_cast<int>(kThreads));
  EXPECT_LE(most, before + static_cast<int>(kThreads)) << "threads grew across runs";
}

}  // namespace
}  // namespace sluice
