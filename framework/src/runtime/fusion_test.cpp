// Chain fusion (RunOptions::fusion): a chain of fusable stages gives
// the same output, the same per-stage and per-edge stats and the same errors
// as the same chain run with a queue between every two stages.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "runtime/test_stages.hpp"
#include "sluice/pipeline.hpp"

namespace sluice {
namespace {

using testing::CountingSource;
using testing::KeepSink;
using testing::Kept;
using testing::stage;

class AddOne final : public Stage {
 public:
  void process(Message&& m, Emitter& out, Context&) override {
    m.value += 1;
    out.emit(std::move(m));
  }
};

class KeepEven final : public Stage {
 public:
  void process(Message&& m, Emitter& out, Context& ctx) override {
    if (m.value % 2 != 0) {
      ctx.count_filtered();
      return;
    }
    out.emit(std::move(m));
  }
};

/// Breaks the fusable contract: emits a copy besides the message.
class Twice final : public Stage {
 public:
  void process(Message&& m, Emitter& out, Context&) override {
    Message copy = m;
    out.emit(std::move(copy));
    out.emit(std::move(m));
  }
};

/// An aggregate: takes every message, emits their sum once, on close.
class SumOnClose final : public Stage {
 public:
  void process(Message&& m, Emitter&, Context&) override { sum_ += m.value; }
  void close(Emitter& out, Context&) override { out.emplace().value = sum_; }

 private:
  std::int64_t sum_{0};
};

const NodeOptions kFusable{.fusable = true};

struct Outcome {
  RunResult result;
  Stats stats;
  std::vector<std::int64_t> values;
};

/// src(count) -> each of `stages` in turn -> out.
Outcome run_chain(std::uint64_t count,
                  const std::vector<std::pair<std::string, StageFactory>>& stages, Fusion fusion,
                  NodeOptions options = kFusable, std::size_t threads = 2) {
  Kept kept;
  Graph g;
  NodeId prev = g.add_source("src", [count] { return std::make_unique<CountingSource>(count); });
  for (const auto& [name, make] : stages) {
    const NodeId next = g.add_stage(name, make, options);
    g.connect(prev, next, {.capacity = 16});
    prev = next;
  }
  g.connect(prev, g.add_sink("out", [&kept] { return std::make_unique<KeepSink>(kept); }));
  Pipeline p(std::move(g), {.threads = threads,
                            .batch = 64,
                            .log = [](LogLevel, std::string_view, std::string_view) {},
                            .fusion = fusion});
  Outcome o;
  o.result = p.run();
  o.stats = p.stats();
  for (const auto& m : kept.messages) o.values.push_back(m.value);
  return o;
}

std::vector<std::pair<std::string, StageFactory>> add_filter_add() {
  return {{"add", [] { return std::make_unique<AddOne>(); }},
          {"even", [] { return std::make_unique<KeepEven>(); }},
          {"add_again", [] { return std::make_unique<AddOne>(); }}};
}

TEST(ChainFusion, SameOutputAndStatsAsAQueueBetweenEveryStage) {
  const Outcome fused = run_chain(20'000, add_filter_add(), Fusion::always);
  const Outcome queued = run_chain(20'000, add_filter_add(), Fusion::never);
  ASSERT_TRUE(fused.result.ok()) << fused.result.error;
  ASSERT_TRUE(queued.result.ok()) << queued.result.error;
  ASSERT_EQ(fused.values.size(), 10'000u);
  EXPECT_EQ(fused.values, queued.values);  // in order: one chain keeps it
  EXPECT_EQ(fused.values.front(), 3);      // seq 1: 2, kept, 3
  for (const char* name : {"src", "add", "even", "add_again", "out"}) {
    const auto& a = stage(fused.stats, name);
    const auto& b = stage(queued.stats, name);
    EXPECT_EQ(a.in, b.in) << name;
    EXPECT_EQ(a.out, b.out) << name;
    EXPECT_EQ(a.filtered, b.filtered) << name;
  }
  EXPECT_EQ(stage(fused.stats, "even").filtered, 10'000u);
  EXPECT_EQ(stage(fused.stats, "even").fused_into, "add");
  EXPECT_EQ(stage(fused.stats, "add_again").fused_into, "add");
  EXPECT_EQ(stage(fused.stats, "add").fused_into, "");
  EXPECT_EQ(stage(queued.stats, "even").fused_into, "");
  ASSERT_EQ(fused.stats.edges.size(), queued.stats.edges.size());
  for (std::size_t i = 0; i < fused.stats.edges.size(); ++i) {
    EXPECT_EQ(fused.stats.edges[i].from, queued.stats.edges[i].from);
    EXPECT_EQ(fused.stats.edges[i].offered, queued.stats.edges[i].offered) << i;
    EXPECT_EQ(fused.stats.edges[i].taken, queued.stats.edges[i].taken) << i;
  }
}

TEST(ChainFusion, AChainOfWorkerPoolsFusesPerInstanceWhenItsWorkersFillTheThreads) {
  // workers = threads: the instances fill the arena, so each runs its own
  // copy of the chain; the counts, per stage and per edge, are the same.
  const NodeOptions pool{.workers = 2, .fusable = true};
  const Outcome fused = run_chain(20'000, add_filter_add(), Fusion::automatic, pool, 2);
  const Outcome queued = run_chain(20'000, add_filter_add(), Fusion::never, pool, 2);
  ASSERT_TRUE(fused.result.ok()) << fused.result.error;
  ASSERT_TRUE(queued.result.ok()) << queued.result.error;
  EXPECT_EQ(stage(fused.stats, "even").fused_into, "add");
  EXPECT_EQ(stage(fused.stats, "add_again").fused_into, "add");
  auto sorted = [](std::vector<std::int64_t> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  ASSERT_EQ(fused.values.size(), 10'000u);
  EXPECT_EQ(sorted(fused.values), sorted(queued.values));  // unordered pools: same set
  for (const char* name : {"add", "even", "add_again", "out"}) {
    EXPECT_EQ(stage(fused.stats, name).in, stage(queued.stats, name).in) << name;
    EXPECT_EQ(stage(fused.stats, name).out, stage(queued.stats, name).out) << name;
  }
  EXPECT_EQ(stage(fused.stats, "even").filtered, 10'000u);
  for (std::size_t i = 0; i < fused.stats.edges.size(); ++i) {
    EXPECT_EQ(fused.stats.edges[i].taken, queued.stats.edges[i].taken) << i;
  }
  // Fewer workers than threads: the stages run in parallel instead.
  const Outcome spread = run_chain(1'000, add_filter_add(), Fusion::automatic, pool, 4);
  EXPECT_EQ(stage(spread.stats, "even").fused_into, "");
}

TEST(ChainFusion, AutomaticFusesAChainOfSingleInstancesOnOneThreadOnly) {
  // With more threads the stages of a chain run in parallel; one loop would
  // give that up.
  const Outcome one = run_chain(1'000, add_filter_add(), Fusion::automatic, kFusable, 1);
  const Outcome two = run_chain(1'000, add_filter_add(), Fusion::automatic, kFusable, 2);
  ASSERT_TRUE(one.result.ok() && two.result.ok());
  EXPECT_EQ(stage(one.stats, "even").fused_into, "add");
  EXPECT_EQ(stage(two.stats, "even").fused_into, "");
  EXPECT_EQ(one.values, two.values);
}

TEST(ChainFusion, WhatAStepEmitsOnCloseGoesThroughTheRestOfTheChain) {
  // add -> sum (emits once, on close) -> even -> add_again: the sum passes
  // the later steps as it would pass their queues.
  const std::vector<std::pair<std::string, StageFactory>> stages{
      {"add", [] { return std::make_unique<AddOne>(); }},
      {"sum", [] { return std::make_unique<SumOnClose>(); }},
      {"even", [] { return std::make_unique<KeepEven>(); }},
      {"add_again", [] { return std::make_unique<AddOne>(); }}};
  const Outcome fused = run_chain(1'000, stages, Fusion::always);
  const Outcome queued = run_chain(1'000, stages, Fusion::never);
  ASSERT_TRUE(fused.result.ok()) << fused.result.error;
  ASSERT_TRUE(queued.result.ok()) << queued.result.error;
  EXPECT_EQ(stage(fused.stats, "add_again").fused_into, "add");
  // 2 + 3 + ... + 1001 = 501500, even, plus one.
  EXPECT_EQ(fused.values, (std::vector<std::int64_t>{501'501}));
  EXPECT_EQ(fused.values, queued.values);
  for (const char* name : {"add", "sum", "even", "add_again", "out"}) {
    EXPECT_EQ(stage(fused.stats, name).in, stage(queued.stats, name).in) << name;
    EXPECT_EQ(stage(fused.stats, name).out, stage(queued.stats, name).out) << name;
  }
  EXPECT_EQ(stage(fused.stats, "sum").out, 1u);
  EXPECT_EQ(stage(fused.stats, "even").in, 1u);
}

TEST(ChainFusion, AnErrorNamesTheFusedStageThatThrew) {
  const Outcome o = run_chain(5'000,
                              {{"add", [] { return std::make_unique<AddOne>(); }},
                               {"bad", [] { return std::make_unique<testing::ThrowOn>(1'234); }},
                               {"add_again", [] { return std::make_unique<AddOne>(); }}},
                              Fusion::always);
  ASSERT_FALSE(o.result.ok());
  EXPECT_EQ(o.result.error_stage, "bad");
  EXPECT_EQ(o.result.error_seq, 1'234u);
  EXPECT_EQ(o.result.error, "boom at 1234");
  EXPECT_EQ(stage(o.stats, "bad").errors, 1u);
  EXPECT_EQ(stage(o.stats, "add").errors, 0u);
}

TEST(ChainFusion, AStageThatEmitsMoreThanItsMessageIsAClearError) {
  const Outcome o = run_chain(100,
                              {{"twice", [] { return std::make_unique<Twice>(); }},
                               {"add", [] { return std::make_unique<AddOne>(); }}},
                              Fusion::always);
  ASSERT_FALSE(o.result.ok());
  EXPECT_EQ(o.result.error_stage, "twice");
  EXPECT_NE(o.result.error.find("fusable"), std::string::npos) << o.result.error;
}

TEST(ChainFusion, StagesWithTheirOwnPoliciesAreNotFused) {
  // on_error = drop needs the stage's own loop: the chain is left unfused
  // and the drop still happens.
  const Outcome o = run_chain(1'000,
                              {{"add", [] { return std::make_unique<AddOne>(); }},
                               {"bad", [] { return std::make_unique<testing::ThrowOn>(10); }},
                               {"add_again", [] { return std::make_unique<AddOne>(); }}},
                              Fusion::always, {.on_error = OnError::drop, .fusable = true});
  ASSERT_TRUE(o.result.ok()) << o.result.error;
  EXPECT_EQ(o.values.size(), 999u);
  EXPECT_EQ(stage(o.stats, "bad").dropped, 1u);
}

TEST(ChainFusion, BranchesAndWorkerPoolsEndAChain) {
  // src -> add (fusable, two consumers) -> {even -> a, pool (workers 2) -> b}
  Kept a, b;
  Graph g;
  const NodeId src = g.add_source("src", [] { return std::make_unique<CountingSource>(3'000); });
  const NodeId add = g.add_stage(
      "add", [] { return std::make_unique<AddOne>(); }, kFusable);
  const NodeId even = g.add_stage(
      "even", [] { return std::make_unique<KeepEven>(); }, kFusable);
  const NodeId pool = g.add_stage("pool", [] { return std::make_unique<AddOne>(); },
                                  {.workers = 2, .fusable = true});
  const NodeId more = g.add_stage(
      "more", [] { return std::make_unique<AddOne>(); }, kFusable);
  g.connect(src, add);
  g.connect(add, even);
  g.connect(add, pool);
  g.connect(pool, more);
  g.connect(even, g.add_sink("a", [&a] { return std::make_unique<KeepSink>(a); }));
  g.connect(more, g.add_sink("b", [&b] { return std::make_unique<KeepSink>(b); }));
  Pipeline p(std::move(g), {.threads = 2, .fusion = Fusion::always});
  ASSERT_TRUE(p.run().ok());
  EXPECT_EQ(a.size(), 1'500u);
  EXPECT_EQ(b.size(), 3'000u);
  std::int64_t sum = 0;
  for (const auto& m : b.messages) sum += m.value;
  EXPECT_EQ(sum, 3'000 * 3'001 / 2 + 3 * 3'000);  // seq + 3 each
}

}  // namespace
}  // namespace sluice
