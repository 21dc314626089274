// Stops and cancels at awkward moments: before the pipeline is up (a signal
// in the first milliseconds), in the middle of a batch, and against a stage
// stuck in a call that never looks at cancellation.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "runtime/test_stages.hpp"
#include "sluice/pipeline.hpp"

namespace sluice {
namespace {

using testing::Collected;
using testing::CollectSink;
using testing::CountingSource;
using testing::PassThrough;
using testing::stage;

/// An endless source through `stages` pass-throughs of 2 workers to a sink.
Graph endless_chain(Collected& got, int stages = 8) {
  Graph g;
  NodeId prev = g.add_source("src", [] { return std::make_unique<CountingSource>(0); });
  for (int i = 0; i < stages; ++i) {
    const NodeId next = g.add_stage("m" + std::to_string(i),
                                    [] { return std::make_unique<PassThrough>(); }, {.workers = 2});
    g.connect(prev, next);
    prev = next;
  }
  g.connect(prev, g.add_sink("out", [&got] { return std::make_unique<CollectSink>(got); }));
  return g;
}

TEST(StopAndCancel, AStopBeforeStartIsHonouredOnceTheRunIsUp) {
  Collected got;
  Pipeline p(endless_chain(got), {.threads = 2});
  p.stop();
  p.start();
  const RunResult r = p.wait();
  EXPECT_EQ(r.status, RunStatus::interrupted);
  EXPECT_EQ(r.abandoned, 0u);
  const Stats s = p.stats();
  EXPECT_EQ(stage(s, "src").out, stage(s, "out").in);
}

TEST(StopAndCancel, TwoStopsBeforeStartCancel) {
  Collected got;
  Pipeline p(endless_chain(got), {.threads = 2});
  p.stop();
  p.stop();
  p.start();
  EXPECT_EQ(p.wait().status, RunStatus::interrupted);
}

// What a signal watcher does: stop() from another thread at a random moment
// while start() builds the arena and wakes every instance.
TEST(StopAndCancel, StopsRacingStartNeverCrashOrHang) {
  std::mt19937 rng(7);
  for (int round = 0; round < 100; ++round) {
    Collected got;
    Pipeline p(endless_chain(got), {.threads = 4});
    const auto delay = std::chrono::microseconds(rng() % 400);
    const bool twice = rng() % 4 == 0;
    std::thread signaller([&] {
      std::this_thread::sleep_for(delay);
      p.stop();
      if (twice) p.cancel();
    });
    p.start();
    const RunResult r = p.wait();
    signaller.join();
    EXPECT_EQ(r.status, RunStatus::interrupted) << "round " << round << ": " << r.error;
  }
}

/// Counts the messages it processed and cancels the run at the `at`th.
class CancelAt final : public Stage {
 public:
  CancelAt(std::uint64_t at, Pipeline*& pipeline, std::atomic<std::uint64_t>& seen)
      : at_(at), pipeline_(pipeline), seen_(seen) {}
  void process(Message&& m, Emitter& out, Context&) override {
    if (seen_.fetch_add(1) + 1 == at_) pipeline_->cancel();
    out.emit(std::move(m));
  }

 private:
  std::uint64_t at_;
  Pipeline*& pipeline_;
  std::atomic<std::uint64_t>& seen_;
};

TEST(StopAndCancel, ACancelCutsABatchShortAndCountsTheRestAbandoned) {
  Pipeline* pipeline = nullptr;
  std::atomic<std::uint64_t> seen{0};
  Collected got;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(1000); });
  auto cut = g.add_stage("cut", [&] { return std::make_unique<CancelAt>(10, pipeline, seen); });
  g.connect(src, cut, {.capacity = 1024});
  g.connect(cut, g.add_sink("out", [&] { return std::make_unique<CollectSink>(got); }));
  Pipeline p(std::move(g), {.threads = 1, .batch = 256, .fusion = Fusion::never});
  pipeline = &p;
  const RunResult r = p.run();
  EXPECT_EQ(seen.load(), 10u) << "the batch went on past the cancel";
  const Stats s = p.stats();
  const StageStats& c = stage(s, "cut");
  EXPECT_EQ(c.in, c.out + c.abandoned);
  EXPECT_GT(c.abandoned, 0u);
  EXPECT_NE(r.status, RunStatus::failed) << r.error;
}

/// Blocks in process() until released, deaf to cancellation.
class Stuck final : public Stage {
 public:
  Stuck(std::atomic<bool>& inside, std::atomic<bool>& release)
      : inside_(inside), release_(release) {}
  void process(Message&& m, Emitter& out, Context&) override {
    inside_.store(true);
    while (!release_.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    out.emit(std::move(m));
  }

 private:
  std::atomic<bool>& inside_;
  std::atomic<bool>& release_;
};

TEST(StopAndCancel, AStageStuckInACallIsLeftBehindAndNamed) {
  std::atomic<bool> inside{false};
  std::atomic<bool> release{false};
  Collected got;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(0); });
  auto stuck = g.add_stage("stuck", [&] { return std::make_unique<Stuck>(inside, release); });
  g.connect(src, stuck);
  g.connect(stuck, g.add_sink("out", [&] { return std::make_unique<CollectSink>(got); }));
  {
    Pipeline p(std::move(g), {.threads = 2, .cancel_grace = 50'000'000});
    p.start();
    while (!inside.load()) std::this_thread::yield();
    p.cancel();
    const RunResult r = p.wait();  // returns although the call has not
    EXPECT_EQ(r.status, RunStatus::failed);
    EXPECT_EQ(r.error_stage, "stuck");
    EXPECT_EQ(r.stuck, std::vector<std::string>{"stuck"});
    EXPECT_NE(r.error.find("still inside a call"), std::string::npos) << r.error;
    release.store(true);  // the destructor waits for the call to come back
  }
}

}  // namespace
}  // namespace sluice
