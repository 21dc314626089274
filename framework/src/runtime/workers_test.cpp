// Worker pools with real work: a burst to a slow stage keeps every instance
// busy, 16 workers on 2 threads share one stream, a blocking stage makes
// `workers` calls at once on an I/O pool that grows to its cap and shrinks
// when idle, and `batch` bounds a turn.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <span>
#include <vector>

#include "runtime/test_stages.hpp"
#include "sluice/pipeline.hpp"

namespace sluice {
namespace {

using testing::Collected;
using testing::CollectSink;
using testing::CountingSource;

/// Counts the calls inside a stage at once. Each call waits (up to a bound,
/// so that a broken runtime fails rather than hangs) until `target` calls
/// are inside together; once that has happened, calls pass straight on.
struct Rendezvous {
  explicit Rendezvous(int n) : target(n) {}
  const int target;
  std::mutex mu;
  std::condition_variable cv;
  int inside{0};
  int peak{0};
  bool met{false};
  std::atomic<int> threads_peak{0};

  void enter() {
    std::unique_lock lock(mu);
    ++inside;
    peak = std::max(peak, inside);
    if (inside >= target) met = true;
    cv.notify_all();
    cv.wait_for(lock, std::chrono::seconds(10), [this] { return met; });
    --inside;
  }
  int peak_inside() {
    std::lock_guard lock(mu);
    return peak;
  }
  /// Meets again, from nobody inside.
  void reset() {
    std::lock_guard lock(mu);
    peak = 0;
    met = false;
  }
};

class MeetOthers final : public Stage {
 public:
  explicit MeetOthers(Rendezvous& r) : r_(r) {}
  void process(Message&& m, Emitter& out, Context&) override {
    const int threads = testing::process_threads();
    if (threads > r_.threads_peak.load()) r_.threads_peak.store(threads);
    r_.enter();
    out.emit(std::move(m));
  }

 private:
  Rendezvous& r_;
};

/// source -> `workers` x MeetOthers -> sink; returns what reached the sink.
std::vector<std::uint64_t> run_burst(Rendezvous& r, std::uint64_t burst, NodeOptions stage,
                                     RunOptions run) {
  Collected got;
  Graph g;
  auto src = g.add_source("src", [=] { return std::make_unique<CountingSource>(burst); });
  auto meet = g.add_stage(
      "meet", [&] { return std::make_unique<MeetOthers>(r); }, stage);
  g.connect(src, meet);
  g.connect(meet, g.add_sink("out", [&] { return std::make_unique<CollectSink>(got); }));
  Pipeline p(std::move(g), std::move(run));
  const auto result = p.run();
  EXPECT_TRUE(result.ok()) << result.error;
  auto seqs = got.snapshot();
  std::sort(seqs.begin(), seqs.end());
  return seqs;
}

TEST(Workers, ABurstToASlowStageKeepsEveryInstanceBusy) {
  // The source pushes the burst as one batch. One instance taking all of it
  // would leave the other idle: the first call would wait for a partner in vain.
  Rendezvous r(2);
  const auto got = run_burst(r, 8, {.workers = 2}, {.threads = 2});
  EXPECT_EQ(got.size(), 8u);
  EXPECT_EQ(r.peak_inside(), 2);
}

/// Counts what each instance of its stage was handed, and passes it on.
class CountPerInstance final : public Stage {
 public:
  explicit CountPerInstance(std::vector<std::atomic<std::uint64_t>>& taken) : taken_(taken) {}
  void process(Message&& m, Emitter& out, Context& ctx) override {
    taken_[ctx.instance()].fetch_add(1, std::memory_order_relaxed);
    out.emit(std::move(m));
  }

 private:
  std::vector<std::atomic<std::uint64_t>>& taken_;
};

TEST(Workers, SixteenWorkersOnTwoThreadsShareOneStreamAndLoseNothing) {
  // More instances than threads (a pipeline written for 16 cores, run on
  // 2): 16 consumers of one edge, woken and parked by 2 threads, which is
  // where a lost wake-up would hang the run and a double take duplicate.
  static constexpr std::uint64_t kCount = 200'000;
  std::vector<std::atomic<std::uint64_t>> taken(16);
  Collected got;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(kCount); });
  auto share = g.add_stage("share", [&] { return std::make_unique<CountPerInstance>(taken); },
                           {.workers = 16});
  g.connect(src, share);
  g.connect(share, g.add_sink("out", [&] { return std::make_unique<CollectSink>(got); }));
  Pipeline p(std::move(g), {.threads = 2});
  const auto result = p.run();
  ASSERT_TRUE(result.ok()) << result.error;
  auto seqs = got.snapshot();
  std::sort(seqs.begin(), seqs.end());
  ASSERT_EQ(seqs.size(), kCount);
  for (std::uint64_t i = 0; i < kCount; ++i) ASSERT_EQ(seqs[i], i + 1);
  // Each instance took no more than its share of what waited and left the
  // rest to the others, so none sat idle through the whole stream.
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < taken.size(); ++i) {
    total += taken[i].load();
    EXPECT_GT(taken[i].load(), 0u) << "instance " << i;
  }
  EXPECT_EQ(total, kCount);
}

TEST(Workers, ABlockingStageMakesWorkersCallsAtOnce) {
  // One arena thread; the 16 calls run on the I/O pool, all at once.
  Rendezvous r(16);
  const auto got = run_burst(r, 64, {.workers = 16, .blocking = true}, {.threads = 1});
  EXPECT_EQ(got.size(), 64u);
  EXPECT_EQ(r.peak_inside(), 16);
}

TEST(Workers, TheIoPoolGrowsNoFurtherThanItsCap) {
  const int before = testing::baseline_threads();
  Rendezvous r(4);
  const auto got =
      run_burst(r, 64, {.workers = 16, .blocking = true}, {.threads = 1, .io_threads = 4});
  EXPECT_EQ(got.size(), 64u);
  EXPECT_EQ(r.peak_inside(), 4) << "16 blocking workers share 4 I/O threads";
  // The arena's worker, the timer thread and at most 4 I/O threads.
  EXPECT_LE(r.threads_peak.load(), before + 1 + 1 + 4);
}

/// Emits `burst` messages at each of the times 0, 1 s, 2 s ... (`bursts` in
/// all) on the pipeline's clock, and waits on a timer in between.
class BurstSource final : public Source {
 public:
  BurstSource(std::uint64_t burst, int bursts) : burst_(burst), bursts_(bursts) {}
  SourceStatus produce(Emitter& out, Context& ctx, std::size_t) override {
    const Nanos due = static_cast<Nanos>(sent_) * kNanosPerSecond;
    if (ctx.clock().now() < due) {
      ctx.wake_at(due);
      return SourceStatus::wait;
    }
    for (std::uint64_t i = 0; i < burst_; ++i) {
      Message m;
      m.seq = ++seq_;
      out.emit(std::move(m));
    }
    return ++sent_ == bursts_ ? SourceStatus::done : SourceStatus::more;
  }

 private:
  std::uint64_t burst_;
  int bursts_;
  int sent_{0};
  std::uint64_t seq_{0};
};

TEST(Workers, IdleIoThreadsEndBetweenBursts) {
  // 16 blocking workers, idle between bursts on a manual clock: their
  // threads end once idle (io_idle), and the next burst starts them again.
  const int before = testing::baseline_threads();
  ManualClock clock;
  Rendezvous r(16);
  Collected got;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<BurstSource>(32, 2); });
  auto meet = g.add_stage("meet", [&] { return std::make_unique<MeetOthers>(r); },
                          {.workers = 16, .blocking = true});
  g.connect(src, meet);
  g.connect(meet, g.add_sink("out", [&] { return std::make_unique<CollectSink>(got); }));
  Pipeline p(std::move(g), {.threads = 1,
                            .io_threads = 64,
                            .io_idle = 1'000'000,  // 1 ms
                            .clock = &clock});
  p.start();
  testing::settle([&] { return got.snapshot().size() == 32 && p.idle(); });
  EXPECT_EQ(r.peak_inside(), 16);
  // The first burst's 16 I/O threads have ended: the arena worker and the timer remain.
  EXPECT_LE(testing::threads_settled_to(before + 2), before + 2);
  clock.advance(kNanosPerSecond);
  p.fire_due_timers();
  const auto result = p.wait();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(got.snapshot().size(), 64u);
}

TEST(Workers, TheInstanceWokenForAShareRunsOnAnIdleThread) {
  // Both workers wait on an empty edge when the later bursts of 8 come:
  // the source's push wakes one, which takes one message (`batch`) and
  // wakes the other for the rest. Queued in the first one's LIFO slot, the
  // second would wait out the first one's turn (here: until the rendezvous
  // gives up) while the other thread idled.
  ManualClock clock;
  Rendezvous r(2);
  Collected got;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<BurstSource>(8, 3); });
  auto meet = g.add_stage("meet", [&] { return std::make_unique<MeetOthers>(r); },
                          {.workers = 2, .batch = 1});
  g.connect(src, meet);
  g.connect(meet, g.add_sink("out", [&] { return std::make_unique<CollectSink>(got); }));
  Pipeline p(std::move(g), {.threads = 2, .clock = &clock});
  p.start();
  for (std::size_t burst = 1; burst <= 2; ++burst) {
    testing::settle([&] { return got.snapshot().size() == 8 * burst && p.idle(); });
    r.reset();
    clock.advance(kNanosPerSecond);
    p.fire_due_timers();
  }
  const auto result = p.wait();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(got.snapshot().size(), 24u);
  EXPECT_EQ(r.peak_inside(), 2) << "the third burst's calls ran one after the other";
}

/// At 1 s on the pipeline's clock, emits one message; on its next turn,
/// meets the stage it fed at `r` (so it must run beside it), then ends.
class MeetAfterOne final : public Source {
 public:
  explicit MeetAfterOne(Rendezvous& r) : r_(r) {}
  SourceStatus produce(Emitter& out, Context& ctx, std::size_t) override {
    if (ctx.clock().now() < kNanosPerSecond) {
      ctx.wake_at(kNanosPerSecond);
      return SourceStatus::wait;
    }
    if (!sent_) {
      sent_ = true;
      Message m;
      m.seq = 1;
      out.emit(std::move(m));
      return SourceStatus::more;
    }
    r_.enter();
    return SourceStatus::done;
  }

 private:
  Rendezvous& r_;
  bool sent_{false};
};

TEST(Workers, TheWorkerWokenByAPushRunsBesideTheBusySourceOnAnIdleThread) {
  // The workers wait on an empty edge; the source's push wakes one, and
  // the source goes on with its next turn. Queued in the source's LIFO
  // slot, the worker would wait out that turn (here: until the rendezvous
  // gives up) while the other thread idled.
  ManualClock clock;
  Rendezvous r(2);
  Collected got;
  Graph g;
  auto src = g.add_source("src", [&] { return std::make_unique<MeetAfterOne>(r); });
  auto meet = g.add_stage("meet", [&] { return std::make_unique<MeetOthers>(r); }, {.workers = 2});
  g.connect(src, meet);
  g.connect(meet, g.add_sink("out", [&] { return std::make_unique<CollectSink>(got); }));
  Pipeline p(std::move(g), {.threads = 2, .clock = &clock});
  p.start();
  testing::settle([&] { return p.idle(); });
  clock.advance(kNanosPerSecond);
  p.fire_due_timers();
  const auto result = p.wait();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(got.snapshot().size(), 1u);
  EXPECT_EQ(r.peak_inside(), 2) << "the worker ran after the source's turn, not beside it";
}

/// Records the size of every batch it is handed.
class BatchSizes final : public Sink {
 public:
  explicit BatchSizes(std::vector<std::size_t>& sizes) : sizes_(sizes) {}
  void consume(std::span<Message> batch, Context&) override { sizes_.push_back(batch.size()); }

 private:
  std::vector<std::size_t>& sizes_;
};

std::vector<std::size_t> sink_batches(std::size_t batch) {
  std::vector<std::size_t> sizes;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(20000); });
  g.connect(src, g.add_sink("out", [&] { return std::make_unique<BatchSizes>(sizes); },
                            {.batch = batch}));
  Pipeline p(std::move(g), {.threads = 1});
  EXPECT_TRUE(p.run().ok());
  return sizes;
}

TEST(Workers, ACheapStageKeepsBigBatchesAndBatchBoundsThem) {
  const auto cheap = sink_batches(0);
  EXPECT_EQ(*std::max_element(cheap.begin(), cheap.end()), 256u);  // RunOptions::batch
  const auto bounded = sink_batches(3);
  EXPECT_EQ(*std::max_element(bounded.begin(), bounded.end()), 3u);
}

}  // namespace
}  // namespace sluice
