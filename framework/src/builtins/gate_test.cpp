// gate through the real runtime: what it passes, what it counts, and that a
// shut gate ends an endless source.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>

#include "builtins/test_graph.hpp"
#include "sluice/bad_option.hpp"
#include "sluice/pipeline.hpp"
#include "sluice/registry.hpp"

namespace sluice {
namespace {

using testing::add;
using testing::KeepSink;
using testing::Kept;

using testing::keep;
using testing::stage;

const OptionValue kNumbered = OptionValue::of("{{\"n\": {seq}}}");

TEST(Gate, PassesWhileOpenHoldsThenShutsForGood) {
  Kept got;
  Graph g;
  auto src =
      add(g, "src", "generate", false, {{"count", OptionValue::of(10)}, {"payload", kNumbered}});
  // 7 would open it again: a shut gate stays shut.
  auto gate =
      add(g, "gate", "gate", true,
          {{"open", OptionValue::of(".n < 4 || .n == 7")}, {"stop", OptionValue::of(false)}});
  g.connect(src, gate);
  g.connect(gate, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 1});
  ASSERT_TRUE(p.run().ok());
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(got.messages[i].seq, i + 1);
  const auto s = stage(p, "gate");
  EXPECT_EQ(s.in, 10u);
  EXPECT_EQ(s.out, 3u);
  EXPECT_EQ(s.filtered, 7u);
}

TEST(Gate, AShutGateEndsAnEndlessSource) {
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false, {{"count", OptionValue::of(0)}});  // endless
  auto gate = add(g, "gate", "gate", true, {{"open", OptionValue::of("seq <= 50")}});
  g.connect(src, gate);
  g.connect(gate, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 2});
  p.start();
  auto done = std::async(std::launch::async, [&p] { return p.wait(); });
  if (done.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "still running after 10 s";
    p.cancel();
  }
  ASSERT_TRUE(done.get().ok());
  EXPECT_EQ(got.size(), 50u);
  const auto s = stage(p, "gate");
  EXPECT_EQ(s.out, 50u);
  EXPECT_EQ(s.in, s.out + s.filtered);
}

TEST(Gate, ABadExpressionIsABadOptionNamingIt) {
  const StageType* t = builtin_registry().find("gate", true);
  ASSERT_NE(t, nullptr);
  Options o({{"open", OptionValue::of(".n <")}});
  o.apply_defaults(t->schema);
  try {
    (void)t->make_stage(o);
    ADD_FAILURE() << "no BadOption";
  } catch (const BadOption& e) {
    EXPECT_EQ(e.option(), "open");
    EXPECT_GT(e.column(), 0u);
  }
}

}  // namespace
}  // namespace sluice
