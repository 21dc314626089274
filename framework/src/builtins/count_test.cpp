// count's bounds: an interval emits only the groups changed since the last
// emission (its cost follows the input, not the number of groups), and
// max_groups bounds the table, past which on_error decides. On a ManualClock;
// nothing here sleeps.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "builtins/test_graph.hpp"
#include "sluice/pipeline.hpp"
#include "sluice/registry.hpp"

namespace sluice {
namespace {

using testing::add;
using testing::keep;
using testing::Kept;
using testing::stage;

template <class Pred>
void settle(Pred pred) {
  for (int i = 0; i < 10'000'000 && !pred(); ++i) std::this_thread::yield();
  ASSERT_TRUE(pred());
}

/// One message every 2 s, at t = 0, 2, 4, 6 (groups a, a, b, a), into a
/// count with an interval of 0.75 s; returns what it emitted.
std::vector<std::string> counted_every_750ms(std::size_t workers) {
  ManualClock clock;
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false,
                 {{"count", OptionValue::of(4)},
                  {"rate", OptionValue::of(0.5)},
                  {"key", OptionValue::of(R"({substr("aaba", seq - 1, 1)})")}});
  auto c =
      add(g, "c", "count", true, {{"interval", OptionValue::duration(from_millis(750))}}, workers);
  g.connect(src, c);
  g.connect(c, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 2, .clock = &clock});
  p.start();
  std::uint64_t taken = 1;
  settle([&] { return stage(p, "c").in == taken && p.idle(); });
  const auto step_to = [&](Nanos t) {
    clock.set(t);
    p.fire_due_timers();
    settle([&] { return p.idle(); });
  };
  const auto message_at = [&](Nanos t) {
    step_to(t);
    ++taken;
    settle([&] { return stage(p, "c").in == taken && p.idle(); });
  };
  step_to(from_millis(750));
  step_to(from_millis(1500));
  message_at(2 * kNanosPerSecond);
  step_to(from_millis(2250));
  step_to(from_millis(3000));
  step_to(from_millis(3750));
  message_at(4 * kNanosPerSecond);
  step_to(from_millis(4500));
  step_to(from_millis(5250));
  // Snapshots at 0.75 (a), 1.5 (-), 2.25 (a), 3.0 (-), 3.75 (-), 4.5 (b), 5.25 (-).
  EXPECT_EQ(got.payloads(), (std::vector<std::string>{"a\t1", "a\t2", "b\t1"}));
  clock.set(6 * kNanosPerSecond);
  p.fire_due_timers();
  EXPECT_TRUE(p.wait().ok());
  EXPECT_EQ(stage(p, "c").out, got.size());
  return got.payloads();
}

TEST(CountInterval, EmitsOnlyTheGroupsChangedSinceTheLastEmissionThenEveryGroupAtTheEnd) {
  // The end: every group, their counts adding up to `in`.
  EXPECT_EQ(counted_every_750ms(1),
            (std::vector<std::string>{"a\t1", "a\t2", "b\t1", "a\t3", "b\t1"}));
}

TEST(CountInterval, WithWorkersEachSnapshotAddsUpTheInstancesCounts) {
  // Instances count apart; whichever took each message, instance 0's
  // snapshots (checked in counted_every_750ms) and the end give the totals
  // over all of them. The snapshot due at 6 s, with the last message, may
  // come after another instance counted it ("a 3") or before (nothing).
  const std::vector<std::string> got = counted_every_750ms(3);
  ASSERT_GE(got.size(), 5u);
  EXPECT_EQ(std::vector(got.end() - 2, got.end()), (std::vector<std::string>{"a\t3", "b\t1"}));
  if (got.size() == 6) {
    EXPECT_EQ(got[3], "a\t3");
  }
  EXPECT_LE(got.size(), 6u);
}

TEST(CountInterval, ASnapshotOfManyChangedGroupsIsSortedAndRanked) {
  ManualClock clock;
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false,
                 {{"count", OptionValue::of(3000)}, {"key", OptionValue::of("g{seq % 1000}")}});
  auto c = add(g, "c", "count", true, {{"interval", OptionValue::duration(kNanosPerSecond)}},
               /*workers=*/3);
  g.connect(src, c);
  g.connect(c, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 2, .clock = &clock});
  ASSERT_TRUE(p.run().ok());  // ends before the first interval: the end's emission only
  ASSERT_EQ(got.size(), 1000u);
  for (std::size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got.messages[k].seq, k + 1);
    EXPECT_EQ(got.messages[k].value, 3);
    if (k > 0) {
      EXPECT_LT(got.messages[k - 1].key, got.messages[k].key);
    }
  }
}

/// source(count, key) -> count(max_groups, on_error) -> kept.
struct Limited {
  Limited(std::int64_t count, const std::string& key, std::int64_t max_groups, OnError on_error,
          std::size_t workers = 1) {
    const StageType* t = builtin_registry().find("count", true);
    Options o({{"max_groups", OptionValue::of(max_groups)}});
    o.apply_defaults(t->schema);
    Graph g;
    auto src = add(g, "src", "generate", false,
                   {{"count", OptionValue::of(count)}, {"key", OptionValue::of(key)}});
    auto c = g.add_stage("c", [t, o] { return t->make_stage(o); },
                         {.workers = workers, .on_error = on_error});
    g.connect(src, c);
    g.connect(c, keep(g, "out", got));
    p = std::make_unique<Pipeline>(std::move(g), RunOptions{.threads = 2});
  }
  Kept got;
  std::unique_ptr<Pipeline> p;
};

TEST(CountMaxGroups, OneGroupTooManyFailsTheRunNamingTheLimitAndTheMessage) {
  Limited run(10, "k{seq}", 3, OnError::fail);
  const RunResult r = run.p->run();
  EXPECT_EQ(r.status, RunStatus::failed);
  EXPECT_EQ(r.error_stage, "c");
  ASSERT_TRUE(r.has_error_seq);
  EXPECT_EQ(r.error_seq, 4u);
  EXPECT_EQ(r.error, R"(more than max_groups (3) groups: group "k4" is not counted)");
}

TEST(CountMaxGroups, WithOnErrorDropTheGroupsItHasKeepCounting) {
  for (const std::size_t workers : {1u, 3u}) {
    // Groups k1 k2 k3 k4 k0 k1 ...: with room for 3, k4 and k0 are dropped.
    Limited run(100, "k{seq % 5}", 3, OnError::drop, workers);
    ASSERT_TRUE(run.p->run().ok());
    const auto st = stage(*run.p, "c");
    EXPECT_EQ(st.in, 100u);
    if (workers == 1) {
      EXPECT_EQ(run.got.payloads(), (std::vector<std::string>{"k1\t20", "k2\t20", "k3\t20"}));
    } else {  // which 3 groups come first depends on the instances' order
      ASSERT_EQ(run.got.size(), 3u);
      for (const Message& m : run.got.messages) EXPECT_EQ(m.value, 20);
    }
    EXPECT_EQ(st.dropped, 40u);
    EXPECT_EQ(st.errors, 40u);
  }
}

TEST(CountOrder, NumericGroupsSortAsNumbersBeforeTheOthers) {
  Kept got;
  Graph g;
  // Groups 10, 9, b, 100, 2, a, -1.5 (one message each).
  auto src = add(g, "src", "generate", false,
                 {{"count", OptionValue::of(7)},
                  {"key", OptionValue::of(R"({split("10,9,b,100,2,a,-1.5", ",")[seq - 1]})")}});
  auto c = add(g, "c", "count", true, {});
  g.connect(src, c);
  g.connect(c, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  EXPECT_EQ(got.payloads(), (std::vector<std::string>{"-1.5\t1", "2\t1", "9\t1", "10\t1", "100\t1",
                                                      "a\t1", "b\t1"}));
}

TEST(CountMaxGroups, IsInTheSchemaWithARange) {
  const StageType* t = builtin_registry().find("count", true);
  const OptionSpec* o = t->schema.find("max_groups");
  ASSERT_NE(o, nullptr);
  ASSERT_TRUE(o->default_value);
  EXPECT_EQ(o->default_value->i, 1'000'000);
  EXPECT_EQ(o->min, 1.0);
  EXPECT_EQ(o->max, 1e9);
}

}  // namespace
}  // namespace sluice
