#include "sluice/pipeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <numeric>
#include <set>
#include <span>
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

using testing::baseline_threads;
using testing::process_threads;
using testing::stage;
using testing::threads_settled_to;

/// Collects seqs and counts the process's threads at every batch, so that the
/// samples are taken while the pipeline runs, however fast or slow it is.
class ThreadSamplingSink final : public Sink {
 public:
  struct Samples {
    std::atomic<int> taken{0};
    std::atomic<int> peak{0};
  };
  ThreadSamplingSink(Collected& into, Samples& samples) : collect_(into), samples_(samples) {}
  void consume(std::span<Message> batch, Context& ctx) override {
    const int n = process_threads();
    samples_.taken.fetch_add(1, std::memory_order_relaxed);
    if (n > samples_.peak.load(std::memory_order_relaxed)) samples_.peak.store(n);
    collect_.consume(batch, ctx);
  }

 private:
  CollectSink collect_;
  Samples& samples_;
};

TEST(Pipeline, LongChainOnOneThreadDeliversEverythingInOrder) {
  static constexpr std::uint64_t kCount = 20000;
  Collected got;
  ThreadSamplingSink::Samples samples;
  Graph g;
  auto prev = g.add_source("src", [] { return std::make_unique<CountingSource>(kCount); });
  for (int i = 0; i < 200; ++i) {
    auto next =
        g.add_stage("s" + std::to_string(i), [] { return std::make_unique<PassThrough>(); });
    g.connect(prev, next, {.capacity = 64});
    prev = next;
  }
  g.connect(prev,
            g.add_sink("out", [&] { return std::make_unique<ThreadSamplingSink>(got, samples); }));
  const int before = baseline_threads();
  Pipeline p(std::move(g), {.threads = 1});
  const auto r = p.run();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(got.snapshot(), iota(kCount));
  // Sampled at every batch the sink took (at least kCount / batch of them).
  EXPECT_GE(samples.taken.load(), 10);
  // The one arena worker and the timer thread: a constant, not 200. (Idle
  // oneTBB workers of earlier tests in this process are in `before`.)
  EXPECT_LE(samples.peak.load(), before + 2);
  EXPECT_GE(samples.peak.load(), before + 1) << "the timer thread at least";
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
    // A batch of 256 into a queue of 8: this edge must drop, and account for each message.
    EXPECT_GT(s.edges[0].dropped, 0u) << to_string(policy);
    EXPECT_EQ(s.edges[0].offered, kCount);
    EXPECT_EQ(s.edges[0].taken, stage(s, "out").in);
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

/// Spins (yielding) until `pred` holds or `limit` passes; returns whether it held.
template <class Pred>
bool spin_until(Pred pred, std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(Pipeline, LaterErrorsAreKeptAsSuppressedAndTheFirstWins) {
  // `late` is inside process() when `first` fails, and fails itself only once
  // that failure has cancelled the run: the order is fixed, not a race.
  std::atomic<bool> late_entered{false};
  class First final : public Stage {
   public:
    explicit First(std::atomic<bool>& late) : late_(late) {}
    void process(Message&&, Emitter&, Context&) override {
      spin_until([&] { return late_.load(); });
      throw std::runtime_error("first failure");
    }

   private:
    std::atomic<bool>& late_;
  };
  class Late final : public Stage {
   public:
    explicit Late(std::atomic<bool>& entered) : entered_(entered) {}
    void process(Message&&, Emitter&, Context& ctx) override {
      entered_.store(true);
      spin_until([&] { return ctx.cancelled(); });
      throw std::runtime_error("later failure");
    }

   private:
    std::atomic<bool>& entered_;
  };
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(1); });
  auto first = g.add_stage("first", [&] { return std::make_unique<First>(late_entered); });
  auto late = g.add_stage("late", [&] { return std::make_unique<Late>(late_entered); });
  g.connect(src, first);
  g.connect(src, late);
  Collected a, b;
  g.connect(first, g.add_sink("a", [&] { return std::make_unique<CollectSink>(a); }));
  g.connect(late, g.add_sink("b", [&] { return std::make_unique<CollectSink>(b); }));
  // Two workers: the two stages must be in process() at the same time.
  Pipeline p(std::move(g),
             {.threads = 2, .log = [](LogLevel, std::string_view, std::string_view) {}});
  const auto r = p.run();
  EXPECT_EQ(r.status, RunStatus::failed);
  EXPECT_EQ(r.error_stage, "first");
  EXPECT_EQ(r.error, "first failure");
  EXPECT_TRUE(r.has_error_seq);
  EXPECT_EQ(r.error_seq, 1u);
  EXPECT_EQ(r.suppressed, std::vector<std::string>{"late: later failure"});
  EXPECT_EQ(stage(p.stats(), "first").errors, 1u);
  EXPECT_EQ(stage(p.stats(), "late").errors, 1u);
}

/// Records the threads it ran on.
struct ThreadsSeen {
  std::mutex mu;
  std::set<std::thread::id> ids;
  void add() {
    std::lock_guard lock(mu);
    ids.insert(std::this_thread::get_id());
  }
  std::set<std::thread::id> snapshot() {
    std::lock_guard lock(mu);
    return ids;
  }
};

class RecordThread final : public Stage {
 public:
  explicit RecordThread(ThreadsSeen& seen) : seen_(seen) {}
  void process(Message&& m, Emitter& out, Context&) override {
    seen_.add();
    out.emit(std::move(m));
  }

 private:
  ThreadsSeen& seen_;
};

TEST(Pipeline, BlockingStagesRunOnTheIoPoolOutsideTheArena) {
  // One arena worker. `wait` (blocking) holds its first message until the
  // other branch has delivered everything: were it on the arena, that branch
  // could never run and the wait would time out.
  static constexpr std::uint64_t kCount = 20000;
  Collected fast_got, slow_got;
  ThreadsSeen arena_threads, io_threads;
  std::atomic<bool> other_branch_done_first{false};
  class WaitForOtherBranch final : public Stage {
   public:
    WaitForOtherBranch(Collected& other, ThreadsSeen& seen, std::atomic<bool>& done_first)
        : other_(other), seen_(seen), done_first_(done_first) {}
    void process(Message&& m, Emitter& out, Context&) override {
      seen_.add();
      if (!waited_) {
        waited_ = true;
        done_first_ = spin_until([&] { return other_.snapshot().size() == kCount; });
      }
      out.emit(std::move(m));
    }

   private:
    Collected& other_;
    ThreadsSeen& seen_;
    std::atomic<bool>& done_first_;
    bool waited_{false};
  };
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(kCount); });
  auto fast = g.add_stage("fast", [&] { return std::make_unique<RecordThread>(arena_threads); });
  auto waiter = g.add_stage("wait",
                            [&] {
                              return std::make_unique<WaitForOtherBranch>(fast_got, io_threads,
                                                                          other_branch_done_first);
                            },
                            {.blocking = true});
  g.connect(src, fast);
  g.connect(src, waiter, {.capacity = kCount});  // holds the whole stream: src is never held back
  g.connect(fast, g.add_sink("fast_out", [&] { return std::make_unique<CollectSink>(fast_got); }));
  g.connect(waiter,
            g.add_sink("wait_out", [&] { return std::make_unique<CollectSink>(slow_got); }));
  Pipeline p(std::move(g), {.threads = 1});
  const auto r = p.run();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(other_branch_done_first.load()) << "the arena stalled behind a blocking stage";
  EXPECT_EQ(fast_got.snapshot(), iota(kCount));
  EXPECT_EQ(slow_got.snapshot(), iota(kCount));
  const auto on_arena = arena_threads.snapshot();
  const auto on_io = io_threads.snapshot();
  ASSERT_FALSE(on_io.empty());
  ASSERT_FALSE(on_arena.empty());
  for (const auto& id : on_io) {
    EXPECT_EQ(on_arena.count(id), 0u) << "a blocking stage ran on an arena worker";
    EXPECT_NE(id, std::this_thread::get_id());
  }
}

TEST(Pipeline, BusyAndBlockedTimeTellASlowStageFromOneHeldBack) {
  // src -> pass -> slow: `slow` spends its time working, `pass` waiting for
  // room. Ratios are generous: only which of the two dominates is checked.
  static constexpr std::uint64_t kCount = 4000;
  static constexpr auto kWorkPerMessage = std::chrono::microseconds(50);  // 0.2 s in all
  class SlowSink final : public Sink {
   public:
    void consume(std::span<Message> batch, Context&) override {
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto until = std::chrono::steady_clock::now() + kWorkPerMessage;
        while (std::chrono::steady_clock::now() < until) {
        }
      }
    }
  };
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(kCount); });
  auto pass = g.add_stage("pass", [] { return std::make_unique<PassThrough>(); });
  auto slow = g.add_sink("slow", [] { return std::make_unique<SlowSink>(); });
  g.connect(src, pass, {.capacity = 16});
  g.connect(pass, slow, {.capacity = 16});
  Pipeline p(std::move(g), {.threads = 2, .batch = 16, .fusion = Fusion::never});
  ASSERT_TRUE(p.run().ok());
  const auto s = p.stats();
  const auto& held = stage(s, "pass");
  const auto& worker = stage(s, "slow");
  EXPECT_EQ(worker.in, kCount);
  // The slow stage is busy for at least half of its spinning, and never blocked.
  EXPECT_GE(worker.busy_s, 0.1);
  EXPECT_EQ(worker.blocked_s, 0.0);
  // The stage before it is held back: it waits far more than it works.
  EXPECT_GT(held.blocked_s, held.busy_s);
  EXPECT_GT(held.blocked_s, worker.busy_s / 4);
  // The edge says so too.
  for (const auto& e : s.edges) {
    if (e.to == "slow") {
      EXPECT_GT(e.blocked_s, 0.0);
    }
  }
}

TEST(Pipeline, AProducerWithASecondLiveConsumerKeepsGoingAfterTheFirstStops) {
  static constexpr std::uint64_t kCount = 50000;
  Collected early, full;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(kCount); });
  auto take = g.add_stage("take", [] { return std::make_unique<testing::StopAfter>(100); });
  g.connect(src, take, {.capacity = 16});
  g.connect(take, g.add_sink("early", [&] { return std::make_unique<CollectSink>(early); }));
  g.connect(src, g.add_sink("full", [&] { return std::make_unique<CollectSink>(full); }),
            {.capacity = 16});
  Pipeline p(std::move(g), {.threads = 2});
  const auto r = p.run();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(early.snapshot(), iota(100));
  EXPECT_EQ(full.snapshot(), iota(kCount)) << "the live consumer lost messages";
  const auto s = p.stats();
  EXPECT_EQ(stage(s, "src").out, kCount);
  // What src kept sending to the stopped `take` is counted on that edge (as
  // abandoned: README, --stats-json), not lost from the books.
  for (const auto& e : s.edges) {
    if (e.from != "src") continue;
    EXPECT_EQ(e.offered, kCount) << e.to;
    EXPECT_EQ(e.offered, e.taken + e.dropped + e.abandoned + e.depth) << e.to;
    if (e.to == "full") {
      EXPECT_EQ(e.taken, kCount);
    } else {
      EXPECT_GT(e.abandoned, 0u);
    }
  }
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
    const int now = threads_settled_to(before + static_cast<int>(kThreads));
    if (run == 0) after_first = now;
    most = std::max(most, now);
  }
  EXPECT_LE(after_first, before + static_cast<int>(kThreads));
  EXPECT_LE(most, before + static_cast<int>(kThreads)) << "threads grew across runs";
}

}  // namespace
}  // namespace sluice
