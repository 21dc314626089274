// A sink under retry, circuit breaker, timeout and on_error (README: Failures), on a
// ManualClock: it is handed one message per call, so a failed write fails
// only that message, and every message ends exactly once (written,
// dead-lettered, rejected or dropped).
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/test_stages.hpp"
#include "sluice/pipeline.hpp"

namespace sluice {
namespace {

using testing::attr;
using testing::CountingSource;
using testing::KeepSink;
using testing::Kept;
using testing::kMs;
using testing::no_jitter;
using testing::settle;
using testing::stage;

/// A remote store: each write of a message fails while `fails` says so.
class FlakyStore final : public Sink {
 public:
  struct Log {
    std::mutex mu;
    std::map<std::uint64_t, std::vector<Nanos>> writes;  ///< seq -> attempt start times
    std::vector<std::size_t> batch_sizes;
    std::vector<std::uint64_t> stored;  ///< seqs written
  };
  using Fails = std::function<bool(const Message&, std::int64_t attempt)>;

  FlakyStore(Log& log, Fails fails, Nanos takes, ManualClock& clock)
      : log_(log), fails_(std::move(fails)), takes_(takes), clock_(clock) {}

  void consume(std::span<Message> batch, Context& ctx) override {
    std::lock_guard lock(log_.mu);
    log_.batch_sizes.push_back(batch.size());
    for (const Message& m : batch) {
      log_.writes[m.seq].push_back(ctx.now());
      if (takes_ > 0) clock_.advance(takes_);  // the write takes this long
      if (fails_(m, ctx.attempt())) throw TransientError("store unavailable");
      log_.stored.push_back(m.seq);
    }
  }

 private:
  Log& log_;
  Fails fails_;
  Nanos takes_;
  ManualClock& clock_;
};

/// src -> store, with the store's dead_letter and rejected ports kept.
struct SinkRig {
  ManualClock clock;
  FlakyStore::Log log;
  Kept dead, rejected;
  std::unique_ptr<Pipeline> pipeline;

  void build(std::uint64_t count, NodeOptions options, FlakyStore::Fails fails, Nanos takes = 0) {
    Graph g;
    auto src = g.add_source("src", [count] { return std::make_unique<CountingSource>(count); });
    auto store = g.add_sink(
        "store",
        [this, fails, takes] { return std::make_unique<FlakyStore>(log, fails, takes, clock); },
        std::move(options), {"dead_letter", "rejected"});
    g.connect(src, store);
    g.connect(store, "dead_letter",
              g.add_sink("dead", [this] { return std::make_unique<KeepSink>(dead); }));
    g.connect(store, "rejected",
              g.add_sink("rejected", [this] { return std::make_unique<KeepSink>(rejected); }));
    pipeline = std::make_unique<Pipeline>(std::move(g), RunOptions{.threads = 2, .clock = &clock});
  }
  std::size_t writes(std::uint64_t seq) {
    std::lock_guard lock(log.mu);
    return log.writes[seq].size();
  }
};

// Write fails twice, then succeeds: stored once, after 100 + 200 ms of backoff.
TEST(SinkRetry, AFailedWriteIsRetriedOnTheBackoffSchedule) {
  SinkRig r;
  r.build(1, {.retry = no_jitter(3)},
          [](const Message&, std::int64_t attempt) { return attempt < 3; });
  r.pipeline->start();
  settle([&] { return r.writes(1) == 1 && r.pipeline->pending_timers() >= 1; });
  r.clock.set(100 * kMs);
  r.pipeline->fire_due_timers();
  settle([&] { return r.writes(1) == 2 && r.pipeline->pending_timers() >= 1; });
  r.clock.set(300 * kMs);
  r.pipeline->fire_due_timers();
  ASSERT_TRUE(r.pipeline->wait().ok());
  EXPECT_EQ(r.log.writes[1], (std::vector<Nanos>{0, 100 * kMs, 300 * kMs}));
  EXPECT_EQ(r.log.stored, (std::vector<std::uint64_t>{1}));
  const auto stats = r.pipeline->stats();
  const auto& st = stage(stats, "store");
  EXPECT_EQ(st.out, 1u);
  EXPECT_EQ(st.retries, 2u);
  EXPECT_EQ(st.errors, 2u);
}

// One message in three cannot be written: those are dead-lettered with their
// error; the others are written once each, one per call.
TEST(SinkRetry, WritesThatKeepFailingAreDeadLettered) {
  SinkRig r;
  r.build(30, {.on_error = OnError::dead_letter},
          [](const Message& m, std::int64_t) { return m.seq % 3 == 0; });
  ASSERT_TRUE(r.pipeline->run().ok());
  EXPECT_EQ(r.log.stored.size(), 20u);
  ASSERT_EQ(r.dead.size(), 10u);
  EXPECT_EQ(attr(r.dead.messages[0], "error"), "store unavailable");
  EXPECT_EQ(attr(r.dead.messages[0], "stage"), "store");
  EXPECT_EQ(attr(r.dead.messages[0], "attempts"), "1");
  for (std::size_t n : r.log.batch_sizes) EXPECT_EQ(n, 1u) << "a write must fail alone";
  const auto stats = r.pipeline->stats();
  const auto& st = stage(stats, "store");
  EXPECT_EQ(st.in, 30u);
  EXPECT_EQ(st.in, st.out + st.dead_letter);
}

TEST(SinkRetry, OnErrorDropCountsAndGoesOn) {
  SinkRig r;
  r.build(30, {.on_error = OnError::drop},
          [](const Message& m, std::int64_t) { return m.seq % 3 == 0; });
  ASSERT_TRUE(r.pipeline->run().ok());
  const auto stats = r.pipeline->stats();
  const auto& st = stage(stats, "store");
  EXPECT_EQ(st.out, 20u);
  EXPECT_EQ(st.dropped, 10u);
  EXPECT_EQ(r.dead.size(), 0u);
}

// A breaker in front of a dead store: after `window` failed writes it opens,
// and the rest are rejected without a call.
TEST(SinkBreaker, RejectsWhileOpenAndLosesNothing) {
  SinkRig r;
  auto breaker = std::make_shared<CircuitBreaker>(
      "store", CircuitBreaker::Config{.window = 4, .min_calls = 4, .open_for = 1000 * kMs});
  r.build(50, {.on_error = OnError::dead_letter, .circuit_breaker = breaker},
          [](const Message&, std::int64_t) { return true; });
  ASSERT_TRUE(r.pipeline->run().ok());
  const auto stats = r.pipeline->stats();
  const auto& st = stage(stats, "store");
  EXPECT_EQ(st.dead_letter, 4u);
  EXPECT_EQ(st.rejected, 46u);
  EXPECT_EQ(r.rejected.size(), 46u);
  EXPECT_EQ(attr(r.rejected.messages[0], "error"), "circuit breaker 'store' is open");
  EXPECT_EQ(r.log.writes.size(), 4u) << "the store was called while the breaker was open";
}

// A write that takes as long as the timeout fails as transient, even though
// the store kept it: with at-least-once delivery the retry writes it again.
TEST(SinkTimeout, ASlowWriteFailsAndIsRetried) {
  SinkRig r;
  r.build(
      1, {.retry = no_jitter(2), .timeout = 100 * kMs},
      [](const Message&, std::int64_t) { return false; }, 100 * kMs);
  r.pipeline->start();
  settle([&] { return r.writes(1) == 1 && r.pipeline->pending_timers() >= 1; });
  r.clock.set(r.clock.now() + 100 * kMs);
  r.pipeline->fire_due_timers();
  ASSERT_FALSE(r.pipeline->wait().ok()) << "both writes timed out: on_error = fail";
  EXPECT_EQ(r.writes(1), 2u);
  EXPECT_EQ(stage(r.pipeline->stats(), "store").errors, 2u);
}

// Without any of them a sink still gets whole batches.
TEST(SinkRetry, APlainSinkIsHandedWholeBatches) {
  SinkRig r;
  r.build(1000, {}, [](const Message&, std::int64_t) { return false; });
  ASSERT_TRUE(r.pipeline->run().ok());
  EXPECT_EQ(r.log.stored.size(), 1000u);
  EXPECT_LT(r.log.batch_sizes.size(), 1000u);
}

/// Writes even seqs, and says it skipped the odd ones.
class EvenOnly final : public Sink {
 public:
  void consume(std::span<Message> batch, Context& ctx) override {
    for (const Message& m : batch) {
      if (m.seq % 2 == 1) ctx.count_filtered();
    }
  }
};

// What a sink reports as filtered is not counted as written: in = out + filtered,
// whether it gets whole batches or one message per call.
TEST(SinkCounts, WhatASinkSkipsIsNotCountedAsWritten) {
  for (const bool one_at_a_time : {false, true}) {
    Graph g;
    auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(100); });
    NodeOptions options;
    if (one_at_a_time) options.on_error = OnError::drop;
    g.connect(src, g.add_sink(
                       "even", [] { return std::make_unique<EvenOnly>(); }, options));
    Pipeline p(std::move(g), {.threads = 2});
    ASSERT_TRUE(p.run().ok());
    const auto stats = p.stats();
    const auto& st = stage(stats, "even");
    EXPECT_EQ(st.in, 100u) << one_at_a_time;
    EXPECT_EQ(st.filtered, 50u) << one_at_a_time;
    EXPECT_EQ(st.out, 50u) << one_at_a_time;
  }
}

}  // namespace
}  // namespace sluice
