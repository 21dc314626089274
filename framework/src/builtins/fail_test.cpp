// The fault-injection stage: deterministic failures by condition or seeded
// probability, handled by the stage's on_error.
#include <gtest/gtest.h>

#include <set>

#include "runtime/test_stages.hpp"
#include "sluice/pipeline.hpp"
#include "sluice/registry.hpp"

namespace sluice {
namespace {

/// Runs source(count) -> fail(options, on_error = drop) -> collect; returns
/// the seqs that got through and the stage's stats.
std::pair<std::set<std::uint64_t>, StageStats> run_fail(
    std::uint64_t count, std::vector<std::pair<std::string, OptionValue>> set) {
  const StageType* t = builtin_registry().find("fail", true);
  Options o(std::move(set));
  o.apply_defaults(t->schema);
  testing::Collected got;
  Graph g;
  auto src =
      g.add_source("src", [count] { return std::make_unique<testing::CountingSource>(count); });
  auto f = g.add_stage("f", [t, o] { return t->make_stage(o); }, {.on_error = OnError::drop});
  g.connect(src, f);
  g.connect(f, g.add_sink("out", [&] { return std::make_unique<testing::CollectSink>(got); }));
  Pipeline p(std::move(g), {.threads = 2});
  EXPECT_TRUE(p.run().ok());
  const auto seqs = got.snapshot();
  return {std::set<std::uint64_t>(seqs.begin(), seqs.end()), p.stats().stages[1]};
}

TEST(Fail, WhenFailsExactlyTheMatchingMessages) {
  auto [passed, st] = run_fail(100, {{"when", OptionValue::of("seq % 10 == 0")}});
  EXPECT_EQ(passed.size(), 90u);
  EXPECT_EQ(passed.count(10), 0u);
  EXPECT_EQ(passed.count(11), 1u);
  EXPECT_EQ(st.errors, 10u);
  EXPECT_EQ(st.dropped, 10u);
  EXPECT_EQ(st.in, st.out + st.dropped);
}

TEST(Fail, ProbabilityIsSeededAndRepeatable) {
  const std::vector<std::pair<std::string, OptionValue>> opts = {
      {"probability", OptionValue::of(0.3)}, {"seed", OptionValue::of(7)}};
  auto [first, st] = run_fail(2000, opts);
  auto [second, st2] = run_fail(2000, opts);
  EXPECT_EQ(first, second) << "the same seed fails the same messages";
  EXPECT_NEAR(static_cast<double>(st.errors) / 2000.0, 0.3, 0.05);
  auto [other, st3] =
      run_fail(2000, {{"probability", OptionValue::of(0.3)}, {"seed", OptionValue::of(8)}});
  EXPECT_NE(first, other);
}

// attempts = 2 under retry: every message fails twice, then passes: each is
// delivered exactly once after two retries.
TEST(Fail, AttemptsFailsOnlyTheFirstAttempts) {
  const StageType* t = builtin_registry().find("fail", true);
  Options o({{"attempts", OptionValue::of(2)}});
  o.apply_defaults(t->schema);
  testing::Collected got;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<testing::CountingSource>(100); });
  auto f = g.add_stage(
      "f", [t, o] { return t->make_stage(o); },
      {.workers = 2, .retry = {.max_attempts = 3, .initial_backoff = 0, .max_backoff = 0}});
  g.connect(src, f);
  g.connect(f, g.add_sink("out", [&] { return std::make_unique<testing::CollectSink>(got); }));
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  const auto seqs = got.snapshot();
  EXPECT_EQ(std::set<std::uint64_t>(seqs.begin(), seqs.end()).size(), 100u);
  EXPECT_EQ(seqs.size(), 100u) << "delivered exactly once";
  const auto st = p.stats().stages[1];
  EXPECT_EQ(st.retries, 200u);
  EXPECT_EQ(st.errors, 200u);
}

TEST(Fail, ZeroProbabilityAndNoConditionPassesEverything) {
  auto [passed, st] = run_fail(50, {});
  EXPECT_EQ(passed.size(), 50u);
  EXPECT_EQ(st.errors, 0u);
}

}  // namespace
}  // namespace sluice
