#include "sluice/ack.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "runtime/ack_abandon_scope.hpp"
#include "runtime/test_stages.hpp"
#include "sluice/errors.hpp"
#include "sluice/message.hpp"
#include "sluice/pipeline.hpp"

namespace sluice {
namespace {

/// Records every settle() by token; counts repeats so exactly-once is checked.
struct Recorder final : AckReceiver {
  void settle(std::uint64_t token, AckOutcome outcome, std::string_view error) noexcept override {
    std::lock_guard lock(mu);
    auto [it, fresh] = outcomes.emplace(token, outcome);
    if (!fresh) ++repeats;
    if (!error.empty()) errors.emplace(token, error);
  }
  std::size_t count(AckOutcome o) {
    std::lock_guard lock(mu);
    std::size_t n = 0;
    for (const auto& [t, v] : outcomes) n += v == o ? 1 : 0;
    return n;
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return outcomes.size();
  }
  std::mutex mu;
  std::map<std::uint64_t, AckOutcome> outcomes;
  std::map<std::uint64_t, std::string> errors;
  int repeats{0};
};

TEST(Ack, UnusedHandleIsNullAndFree) {
  Message m;
  EXPECT_FALSE(m.ack);
  Message copy = m;
  EXPECT_EQ(copy, m);
  m.ack.fail();  // a no-op on a null handle
  EXPECT_EQ(m.ack.marked(), AckOutcome::ok);
  EXPECT_EQ(sizeof(AckRef), sizeof(void*));
}

TEST(Ack, LastReleaseSettlesOnceWithOk) {
  auto rec = std::make_shared<Recorder>();
  {
    Message m;
    m.ack = AckRef::make(rec, 7);
    EXPECT_EQ(rec->size(), 0u);
  }
  ASSERT_EQ(rec->size(), 1u);
  EXPECT_EQ(rec->outcomes.at(7), AckOutcome::ok);
  EXPECT_EQ(rec->repeats, 0);
}

TEST(Ack, CopiesShareOneHandleAndTheWorstMarkWins) {
  auto rec = std::make_shared<Recorder>();
  auto m = std::make_unique<Message>();
  m->ack = AckRef::make(rec, 1);
  auto a = std::make_unique<Message>(*m);  // broadcast copies
  auto b = std::make_unique<Message>(*m);
  EXPECT_EQ(a->ack, m->ack);
  m.reset();
  a->ack.fail(AckOutcome::abandoned);
  a.reset();
  EXPECT_EQ(rec->size(), 0u) << "settled while a copy is still held";
  b->ack.fail(AckOutcome::failed);
  b->ack.fail(AckOutcome::abandoned);  // better than failed: ignored
  b.reset();
  ASSERT_EQ(rec->size(), 1u);
  EXPECT_EQ(rec->outcomes.at(1), AckOutcome::failed);
}

TEST(Ack, MovingAndAssigningKeepExactlyOneSettle) {
  auto rec = std::make_shared<Recorder>();
  Message a;
  a.ack = AckRef::make(rec, 1);
  Message b = std::move(a);
  EXPECT_FALSE(a.ack);  // NOLINT(bugprone-use-after-move): moved-from is null
  Message c;
  c.ack = AckRef::make(rec, 2);
  c = b;  // releases 2, shares 1
  EXPECT_EQ(rec->size(), 1u);
  EXPECT_EQ(rec->outcomes.at(2), AckOutcome::ok);
  b = Message();
  c.ack.reset();
  EXPECT_EQ(rec->size(), 2u);
  EXPECT_EQ(rec->repeats, 0);
}

TEST(Ack, AbandonScopeMarksWhatIsReleasedInIt) {
  auto rec = std::make_shared<Recorder>();
  Message kept;
  kept.ack = AckRef::make(rec, 1);
  Message copy = kept;
  {
    const detail::AckAbandonScope scope;
    copy = Message();  // a copy dropped by a cancel taints the message
  }
  kept = Message();
  EXPECT_EQ(rec->outcomes.at(1), AckOutcome::abandoned);
}

TEST(Ack, JoinSettlesEveryPartWithTheJoinedOutcome) {
  auto rec = std::make_shared<Recorder>();
  AckRef joined;
  for (std::uint64_t t = 1; t <= 5; ++t)
    joined = AckRef::join(std::move(joined), AckRef::make(rec, t));
  EXPECT_EQ(rec->size(), 0u);
  joined.fail(AckOutcome::failed);
  joined.reset();
  ASSERT_EQ(rec->size(), 5u);
  EXPECT_EQ(rec->count(AckOutcome::failed), 5u);
  EXPECT_EQ(AckRef::join(AckRef(), AckRef()), AckRef());
}

TEST(Ack, TheFirstErrorNotedReachesTheReceiverThroughJoinsToo) {
  auto rec = std::make_shared<Recorder>();
  {
    AckRef a = AckRef::make(rec, 1);
    const AckRef copy = a;
    copy.fail(AckOutcome::failed, "parse: bad json");
    a.fail(AckOutcome::rejected, "enrich: no such user");  // worse outcome, later text
    AckRef joined = AckRef::join(AckRef::make(rec, 2), AckRef::make(rec, 3));
    joined.fail(AckOutcome::failed, "batch: too big");
  }
  EXPECT_EQ(rec->outcomes.at(1), AckOutcome::rejected);
  EXPECT_EQ(rec->errors.at(1), "parse: bad json");
  EXPECT_EQ(rec->errors.at(2), "batch: too big");
  EXPECT_EQ(rec->errors.at(3), "batch: too big");

  // Noted from many threads at once: one text wins, the others are freed.
  constexpr int kThreads = 4;
  AckRef shared = AckRef::make(rec, 4);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([copy = shared, t] {
      copy.fail(AckOutcome::failed, "stage" + std::to_string(t) + ": busy");
    });
  }
  shared.reset();
  for (auto& th : threads) th.join();
  ASSERT_EQ(rec->errors.count(4), 1u);
  EXPECT_NE(rec->errors.at(4).find(": busy"), std::string::npos);
  EXPECT_EQ(rec->repeats, 0);
}

TEST(Ack, ReleasesOnManyThreadsSettleExactlyOnce) {
  auto rec = std::make_shared<Recorder>();
  constexpr int kMessages = 2000, kCopies = 4;
  std::vector<std::vector<Message>> per_thread(kCopies);
  for (int i = 0; i < kMessages; ++i) {
    Message m;
    m.ack = AckRef::make(rec, static_cast<std::uint64_t>(i));
    for (int c = 0; c < kCopies; ++c) per_thread[static_cast<std::size_t>(c)].push_back(m);
  }
  std::vector<std::thread> threads;
  for (auto& v : per_thread) threads.emplace_back([&v] { v.clear(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(rec->size(), static_cast<std::size_t>(kMessages));
  EXPECT_EQ(rec->repeats, 0);
}

// Through a running pipeline.

/// Emits seq 1..count, each with a handle whose token is its seq.
class AckingSource final : public Source {
 public:
  AckingSource(std::shared_ptr<Recorder> rec, std::uint64_t count)
      : rec_(std::move(rec)), count_(count) {}
  SourceStatus produce(Emitter& out, Context&, std::size_t budget) override {
    for (std::size_t i = 0; i < budget && next_ <= count_; ++i, ++next_) {
      Message& m = out.emplace();
      m.seq = next_;
      m.ack = AckRef::make(rec_, next_);
    }
    return next_ > count_ ? SourceStatus::done : SourceStatus::more;
  }

 private:
  std::shared_ptr<Recorder> rec_;
  std::uint64_t count_;
  std::uint64_t next_{1};
};

class KeepOdd final : public Stage {
 public:
  void process(Message&& m, Emitter& out, Context& ctx) override {
    if (m.seq % 2 == 0) {
      ctx.count_filtered();
      return;
    }
    out.emit(std::move(m));
  }
};

/// Throws a transient error on every multiple of 10, a permanent one on 7.
class Flaky final : public Stage {
 public:
  void process(Message&& m, Emitter& out, Context&) override {
    if (m.seq % 10 == 0) throw TransientError("busy");
    if (m.seq == 7) throw PermanentError("bad");
    out.emit(std::move(m));
  }
};

/// Records the outcome a sink sees as already marked, then finishes each message.
class CountingSink final : public Sink {
 public:
  explicit CountingSink(std::atomic<std::uint64_t>& n) : n_(n) {}
  void consume(std::span<Message> batch, Context&) override { n_ += batch.size(); }

 private:
  std::atomic<std::uint64_t>& n_;
};

TEST(AckPipeline, FilteredAndWrittenMessagesAreAckedOnce) {
  auto rec = std::make_shared<Recorder>();
  std::atomic<std::uint64_t> written{0};
  Graph g;
  auto src = g.add_source("src", [&] { return std::make_unique<AckingSource>(rec, 1000); });
  auto keep = g.add_stage("keep", [] { return std::make_unique<KeepOdd>(); });
  auto out = g.add_sink("out", [&] { return std::make_unique<CountingSink>(written); });
  g.connect(src, keep);
  g.connect(keep, out);
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  EXPECT_EQ(written, 500u);
  EXPECT_EQ(rec->size(), 1000u);
  EXPECT_EQ(rec->count(AckOutcome::ok), 1000u);
  EXPECT_EQ(rec->repeats, 0);
}

TEST(AckPipeline, BroadcastSettlesAfterBothBranchesOnce) {
  auto rec = std::make_shared<Recorder>();
  std::atomic<std::uint64_t> a{0}, b{0};
  Graph g;
  auto src = g.add_source("src", [&] { return std::make_unique<AckingSource>(rec, 5000); });
  auto out_a = g.add_sink("a", [&] { return std::make_unique<CountingSink>(a); });
  auto out_b = g.add_sink("b", [&] { return std::make_unique<CountingSink>(b); });
  g.connect(src, out_a, {.capacity = 16});
  g.connect(src, out_b, {.capacity = 64});
  Pipeline p(std::move(g), {.threads = 2, .batch = 8});
  ASSERT_TRUE(p.run().ok());
  EXPECT_EQ(a, 5000u);
  EXPECT_EQ(b, 5000u);
  EXPECT_EQ(rec->count(AckOutcome::ok), 5000u);
  EXPECT_EQ(rec->repeats, 0);
}

TEST(AckPipeline, ErrorsWithOnErrorDropFailOrRejectTheMessage) {
  auto rec = std::make_shared<Recorder>();
  std::atomic<std::uint64_t> written{0};
  Graph g;
  auto src = g.add_source("src", [&] { return std::make_unique<AckingSource>(rec, 100); });
  auto flaky =
      g.add_stage("flaky", [] { return std::make_unique<Flaky>(); }, {.on_error = OnError::drop});
  auto out = g.add_sink("out", [&] { return std::make_unique<CountingSink>(written); });
  g.connect(src, flaky);
  g.connect(flaky, out);
  Pipeline p(std::move(g),
             {.threads = 1, .log = [](LogLevel, std::string_view, std::string_view) {}});
  ASSERT_TRUE(p.run().ok());
  EXPECT_EQ(written, 89u);
  EXPECT_EQ(rec->count(AckOutcome::failed), 10u);  // transient: try again later
  EXPECT_EQ(rec->outcomes.at(7), AckOutcome::rejected);
  // The source hears why: the stage and its error.
  EXPECT_EQ(rec->errors.at(7), "flaky: bad");
  EXPECT_EQ(rec->errors.at(10), "flaky: busy");
  EXPECT_EQ(rec->errors.size(), 11u);  // none for what was written
  EXPECT_EQ(rec->count(AckOutcome::ok), 89u);
}

TEST(AckPipeline, OverflowDropsFailTheDroppedMessages) {
  auto rec = std::make_shared<Recorder>();
  std::atomic<std::uint64_t> written{0};
  Graph g;
  auto src = g.add_source("src", [&] { return std::make_unique<AckingSource>(rec, 20000); });
  auto out = g.add_sink("out", [&] { return std::make_unique<CountingSink>(written); });
  g.connect(src, out, {.capacity = 4, .overflow = Overflow::drop_newest});
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  const auto dropped = p.stats().edges.at(0).dropped;
  EXPECT_EQ(rec->size(), 20000u);
  EXPECT_EQ(rec->count(AckOutcome::failed), dropped);
  EXPECT_EQ(rec->count(AckOutcome::ok), written.load());
  EXPECT_EQ(rec->repeats, 0);
}

TEST(AckPipeline, AFailedRunAbandonsWhatWasInFlight) {
  auto rec = std::make_shared<Recorder>();
  std::atomic<std::uint64_t> written{0};
  Graph g;
  auto src = g.add_source("src", [&] { return std::make_unique<AckingSource>(rec, 100000); });
  auto bad = g.add_stage("bad", [] { return std::make_unique<testing::ThrowOn>(5000); });
  auto out = g.add_sink("out", [&] { return std::make_unique<CountingSink>(written); });
  g.connect(src, bad, {.capacity = 256});
  g.connect(bad, out, {.capacity = 256});
  Pipeline p(std::move(g),
             {.threads = 2, .log = [](LogLevel, std::string_view, std::string_view) {}});
  EXPECT_FALSE(p.run().ok());
  // Everything that was made is settled; what was not written is not acked.
  EXPECT_EQ(rec->repeats, 0);
  EXPECT_EQ(rec->count(AckOutcome::ok), written.load());
  EXPECT_EQ(rec->outcomes.at(5000), AckOutcome::abandoned);
  EXPECT_EQ(rec->size() - written.load(), rec->count(AckOutcome::abandoned));
}

class FilteredBeforeAFailure : public ::testing::TestWithParam<bool> {};

// What a filter dropped before a later stage failed is done with: ok, not
// abandoned. keep -> bad -> keep_again, as one loop (fused) or three.
TEST_P(FilteredBeforeAFailure, SettlesFilteredWrittenAndAbandonedOnce) {
  auto rec = std::make_shared<Recorder>();
  std::atomic<std::uint64_t> written{0};
  Graph g;
  auto src = g.add_source("src", [&] { return std::make_unique<AckingSource>(rec, 20000); });
  auto keep = g.add_stage("keep", [] { return std::make_unique<KeepOdd>(); }, {.fusable = true});
  auto bad = g.add_stage("bad", [] { return std::make_unique<testing::ThrowOn>(15001); },
                         {.fusable = true});
  auto again =
      g.add_stage("keep_again", [] { return std::make_unique<KeepOdd>(); }, {.fusable = true});
  auto out = g.add_sink("out", [&] { return std::make_unique<CountingSink>(written); });
  g.connect(src, keep, {.capacity = 256});
  g.connect(keep, bad);
  g.connect(bad, again);
  g.connect(again, out, {.capacity = 256});
  Pipeline p(std::move(g), {.threads = 2,
                            .log = [](LogLevel, std::string_view, std::string_view) {},
                            .fusion = GetParam() ? Fusion::always : Fusion::never});
  EXPECT_FALSE(p.run().ok());
  EXPECT_EQ(rec->repeats, 0);
  EXPECT_EQ(rec->outcomes.at(15001), AckOutcome::abandoned);
  EXPECT_EQ(rec->outcomes.at(2), AckOutcome::ok);                    // filtered: done with
  const auto filtered = testing::stage(p.stats(), "keep").filtered;  // keep_again: none
  EXPECT_GE(filtered, 15000u / 2);
  EXPECT_EQ(rec->count(AckOutcome::ok), written.load() + filtered);
  EXPECT_EQ(rec->size() - rec->count(AckOutcome::ok), rec->count(AckOutcome::abandoned));
}

/// Keeps odd seqs, throws on `bad`: filters and fails within one batch.
class KeepOddThrowOn final : public Stage {
 public:
  explicit KeepOddThrowOn(std::uint64_t bad) : bad_(bad) {}
  void process(Message&& m, Emitter& out, Context& ctx) override {
    if (m.seq == bad_) throw std::runtime_error("bad");
    if (m.seq % 2 == 0) {
      ctx.count_filtered();
      return;
    }
    out.emit(std::move(m));
  }

 private:
  std::uint64_t bad_;
};

TEST(AckPipeline, FilteredEarlierInTheFailedBatchIsOk) {
  auto rec = std::make_shared<Recorder>();
  std::atomic<std::uint64_t> written{0};
  Graph g;
  auto src = g.add_source("src", [&] { return std::make_unique<AckingSource>(rec, 1000); });
  auto stage = g.add_stage("stage", [] { return std::make_unique<KeepOddThrowOn>(101); });
  g.connect(src, stage);
  g.connect(stage, g.add_sink("out", [&] { return std::make_unique<CountingSink>(written); }));
  Pipeline p(
      std::move(g),
      {.threads = 1, .batch = 256, .log = [](LogLevel, std::string_view, std::string_view) {}});
  EXPECT_FALSE(p.run().ok());
  for (std::uint64_t seq = 2; seq < 101; seq += 2) {
    EXPECT_EQ(rec->outcomes.at(seq), AckOutcome::ok) << seq;  // filtered, in the failed batch
  }
  EXPECT_EQ(rec->outcomes.at(101), AckOutcome::abandoned);
  EXPECT_EQ(rec->repeats, 0);
}

/// Passes every message; cancels the pipeline when it sees seq `at`.
class CancelAt final : public Stage {
 public:
  CancelAt(Pipeline*& p, std::uint64_t at) : p_(p), at_(at) {}
  void process(Message&& m, Emitter& out, Context&) override {
    if (m.seq == at_) p_->cancel();
    out.emit(std::move(m));
  }

 private:
  Pipeline*& p_;
  std::uint64_t at_;
};

TEST(AckPipeline, WhatACancelLeavesOfABatchIsAbandonedNotOk) {
  // One thread, one batch of 256: the stage sees the cancel after seq 100
  // and keeps the rest, 101-256, for the next turn, which abandons it. (The
  // rest was once kept twice, the second time as moved-from husks, and
  // released as done: its sources heard ok for messages nobody finished.)
  auto rec = std::make_shared<Recorder>();
  std::atomic<std::uint64_t> written{0};
  Pipeline* running = nullptr;
  Graph g;
  auto src = g.add_source("src", [&] { return std::make_unique<AckingSource>(rec, 256); });
  auto stage = g.add_stage("stage", [&] { return std::make_unique<CancelAt>(running, 100); });
  g.connect(src, stage, {.capacity = 256});
  g.connect(stage, g.add_sink("out", [&] { return std::make_unique<CountingSink>(written); }));
  Pipeline p(std::move(g), {.threads = 1, .batch = 256});
  running = &p;
  p.run();
  ASSERT_EQ(rec->size(), 256u);
  EXPECT_EQ(rec->repeats, 0);
  for (std::uint64_t seq = 101; seq <= 256; ++seq) {
    EXPECT_EQ(rec->outcomes.at(seq), AckOutcome::abandoned) << seq;
  }
  EXPECT_EQ(rec->count(AckOutcome::ok), written.load());
  EXPECT_EQ(testing::stage(p.stats(), "stage").abandoned, 156u);
}

INSTANTIATE_TEST_SUITE_P(AckPipeline, FilteredBeforeAFailure, ::testing::Bool(),
                         [](const auto& param) { return param.param ? "Fused" : "Queued"; });

}  // namespace
}  // namespace sluice
