// The built-in stages run through the real runtime; time-dependent ones on a
// ManualClock, so nothing here sleeps or asserts on wall-clock time.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "builtins/test_graph.hpp"
#include "runtime/test_stages.hpp"
#include "sluice/pipeline.hpp"
#include "sluice/registry.hpp"

namespace sluice {
namespace {

using testing::add;
using testing::KeepSink;
using testing::Kept;

std::uint64_t stage_in(const Pipeline& p, std::string_view name) {
  for (const auto& s : p.stats().stages) {
    if (s.name == name) return s.in;
  }
  return 0;
}

/// Waits (yielding, not sleeping) until the runtime has done what the
/// manual clock allows it to do.
template <class Pred>
void settle(Pred pred) {
  for (int i = 0; i < 10'000'000 && !pred(); ++i) std::this_thread::yield();
  ASSERT_TRUE(pred());
}

/// What a generate with `options` emits, on one thread.
std::vector<Message> generated(testing::Set options) {
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false, std::move(options));
  g.connect(src, g.add_sink("out", [&] { return std::make_unique<KeepSink>(got); }));
  Pipeline p(std::move(g), {.threads = 1});
  EXPECT_TRUE(p.run().ok());
  return got.messages;
}

TEST(Generate, RendersTemplatesAndCountsFromOne) {
  const auto got = generated({{"count", OptionValue::of(4)},
                              {"payload", OptionValue::of("event-{seq}")},
                              {"key", OptionValue::of("user-{seq % 2}")}});
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].payload, "event-1");
  EXPECT_EQ(got[0].key, "user-1");
  EXPECT_EQ(got[3].payload, "event-4");
  EXPECT_EQ(got[3].key, "user-0");
  EXPECT_NE(got[0].trace_id, got[1].trace_id);
  for (const auto& m : got) {
    EXPECT_LT(m.trace_id, std::uint64_t{1} << 53) << "not exact as a JSON number (jq)";
  }
}

TEST(Generate, ConstantTemplatesGiveEveryMessageTheSameFields) {
  // Rendered once, not per message: escapes and the priority's number too.
  const auto got = generated({{"count", OptionValue::of(3)},
                              {"payload", OptionValue::of("{{\"level\": \"info\"}}")},
                              {"key", OptionValue::of("k")},
                              {"priority", OptionValue::of("2")}});
  ASSERT_EQ(got.size(), 3u);
  for (const auto& m : got) {
    EXPECT_EQ(m.payload, R"({"level": "info"})");
    EXPECT_EQ(m.key, "k");
    EXPECT_EQ(m.priority, 2);
  }
}

TEST(Generate, RateIsPacedByTheTimerService) {
  ManualClock clock;
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false,
                 {{"count", OptionValue::of(25)}, {"rate", OptionValue::of(10.0)}});
  g.connect(src, g.add_sink("out", [&] { return std::make_unique<KeepSink>(got); }));
  Pipeline p(std::move(g), {.threads = 2, .clock = &clock});
  p.start();
  // The first message is due at once; then the source arms a timer.
  settle([&] { return got.size() == 1 && p.pending_timers() == 1; });
  clock.advance(kNanosPerSecond);
  p.fire_due_timers();
  settle([&] { return got.size() == 11 && p.pending_timers() == 1; });
  clock.advance(kNanosPerSecond / 2);
  p.fire_due_timers();
  settle([&] { return got.size() == 16; });
  clock.advance(10 * kNanosPerSecond);
  p.fire_due_timers();
  EXPECT_TRUE(p.wait().ok());
  EXPECT_EQ(got.size(), 25u);
}

TEST(Generate, AHugeRateIsUnpacedNotAnOverflow) {
  // elapsed * rate past 2^64 was converted to an integer (undefined; the
  // source spun). The DSL bounds rate; a program may still pass anything.
  for (const double rate : {1e25, std::numeric_limits<double>::infinity()}) {
    ManualClock clock;
    Kept got;
    Graph g;
    auto src = add(g, "src", "generate", false,
                   {{"count", OptionValue::of(5)}, {"rate", OptionValue::of(rate)}});
    g.connect(src, g.add_sink("out", [&] { return std::make_unique<KeepSink>(got); }));
    Pipeline p(std::move(g), {.threads = 1, .clock = &clock});
    p.start();
    settle([&] { return got.size() == 5 || p.pending_timers() == 1; });
    clock.advance(kNanosPerSecond);  // 1e25 messages due: all the rest go at once
    p.fire_due_timers();
    EXPECT_TRUE(p.wait().ok());
    EXPECT_EQ(got.size(), 5u) << rate;
  }
}

TEST(Delay, HoldsEachMessageWithoutAThread) {
  ManualClock clock;
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false, {{"count", OptionValue::of(3)}});
  auto wait =
      add(g, "wait", "delay", true, {{"duration", OptionValue::duration(2 * kNanosPerSecond)}});
  g.connect(src, wait);
  g.connect(wait, g.add_sink("out", [&] { return std::make_unique<KeepSink>(got); }));
  Pipeline p(std::move(g), {.threads = 2, .clock = &clock});
  p.start();
  settle([&] { return stage_in(p, "wait") == 3; });
  clock.advance(kNanosPerSecond);
  p.fire_due_timers();
  EXPECT_EQ(got.size(), 0u) << "held for at least 2 s of clock time";
  // A message taken may still be on its way into the stage: keep time moving
  // until all three are out, rather than assume when it got there.
  for (int i = 0; i < 1000 && got.size() < 3; ++i) {
    clock.advance(kNanosPerSecond);
    p.fire_due_timers();
    for (int spin = 0; spin < 10000 && got.size() < 3; ++spin) std::this_thread::yield();
  }
  EXPECT_TRUE(p.wait().ok());
  EXPECT_EQ(got.size(), 3u);
}

TEST(Lifecycle, DrainTimeoutAbandonsWhatCannotFinishAndCountsIt) {
  ManualClock clock;
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false, {{"count", OptionValue::of(10)}});
  auto wait =
      add(g, "wait", "delay", true, {{"duration", OptionValue::duration(60 * kNanosPerSecond)}});
  g.connect(src, wait);
  g.connect(wait, g.add_sink("out", [&] { return std::make_unique<KeepSink>(got); }));
  Pipeline p(std::move(g), {.threads = 2, .drain_timeout = kNanosPerSecond, .clock = &clock});
  p.start();
  settle([&] { return stage_in(p, "wait") == 10; });
  p.stop();
  clock.advance(kNanosPerSecond);
  p.fire_due_timers();  // the drain deadline: a hard cancel
  const auto r = p.wait();
  EXPECT_EQ(r.status, RunStatus::interrupted);
  EXPECT_EQ(r.abandoned, 10u);
  EXPECT_EQ(got.size(), 0u);
}

TEST(Lifecycle, RunForStopsAnEndlessSourceGracefully) {
  ManualClock clock;
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false, {{"rate", OptionValue::of(100.0)}});
  g.connect(src, g.add_sink("out", [&] { return std::make_unique<KeepSink>(got); }));
  Pipeline p(std::move(g), {.threads = 1, .run_for = kNanosPerSecond, .clock = &clock});
  p.start();
  settle([&] { return got.size() == 1; });
  clock.advance(kNanosPerSecond);
  p.fire_due_timers();
  const auto r = p.wait();
  EXPECT_EQ(r.status, RunStatus::ok);
  EXPECT_EQ(r.abandoned, 0u);
  EXPECT_LE(got.size(), 101u);
}

class FileRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice_builtins_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(FileRoundTrip, LinesInJsonOut) {
  const auto in = dir_ / "in.txt";
  const auto out = dir_ / "out.jsonl";
  std::ofstream(in) << "alpha\nbeta\r\n\"quoted\"\nlast-without-newline";
  Graph g;
  auto src = add(g, "src", "file", false, {{"path", OptionValue::of(in.string())}});
  auto sink = add(g, "out", "file", true,
                  {{"path", OptionValue::of(out.string())}, {"format", OptionValue::of("json")}});
  g.connect(src, sink);
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  std::ifstream f(out);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(f, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["payload"], "alpha");
  EXPECT_EQ(lines[1]["payload"], "beta");
  EXPECT_EQ(lines[2]["payload"], "\"quoted\"");
  EXPECT_EQ(lines[3]["payload"], "last-without-newline");
  EXPECT_EQ(lines[3]["seq"], 4);
}

TEST_F(FileRoundTrip, MissingInputFileFailsTheRunNamingIt) {
  Graph g;
  auto src = add(g, "src", "file", false, {{"path", OptionValue::of((dir_ / "nope").string())}});
  g.connect(src, add(g, "out", "discard", true));
  Pipeline p(std::move(g), {.threads = 1});
  const auto r = p.run();
  EXPECT_EQ(r.status, RunStatus::failed);
  EXPECT_EQ(r.error_stage, "src");
  EXPECT_NE(r.error.find("nope"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

TEST(MapAndFilter, RewriteFieldsAndKeepWhatMatches) {
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false,
                 {{"count", OptionValue::of(6)}, {"payload", OptionValue::of("{{\"n\": {seq}}}")}});
  OptionValue attrs;
  attrs.kind = OptionValue::Kind::table;
  attrs.table.emplace_back("parity", OptionValue::of("{.n % 2}"));
  auto map = add(g, "map", "map", true,
                 {{"key", OptionValue::of("user-{.n}")},
                  {"priority", OptionValue::of("{.n % 3}")},
                  {"attrs", attrs}});
  auto keep =
      add(g, "keep", "filter", true, {{"condition", OptionValue::of("attrs.parity == \"0\"")}});
  g.connect(src, map);
  g.connect(map, keep);
  g.connect(keep, g.add_sink("out", [&] { return std::make_unique<KeepSink>(got); }));
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  ASSERT_EQ(got.messages.size(), 3u);
  EXPECT_EQ(got.messages[0].key, "user-2");
  EXPECT_EQ(got.messages[0].priority, 2);
  EXPECT_EQ(got.messages[0].payload, "{\"n\": 2}");
  const std::string* parity = got.messages[2].attrs.find("parity");
  EXPECT_EQ(parity ? *parity : "(unset)", "0");
  for (const auto& s : p.stats().stages) {
    if (s.name == "keep") {
      EXPECT_EQ(s.in, 6u);
      EXPECT_EQ(s.out, 3u);
      EXPECT_EQ(s.filtered, 3u);
    }
  }
}

TEST(MapAndFilter, MapSetsTheTraceIdFromAnExpressionOrKeepsIt) {
  // The trace id each template gives to the generated message "7".
  auto traced = [](const std::string& trace_id) {
    Kept got;
    Graph g;
    auto src = add(g, "src", "generate", false,
                   {{"count", OptionValue::of(1)}, {"payload", OptionValue::of("7")}});
    auto map = add(g, "map", "map", true, {{"trace_id", OptionValue::of(trace_id)}});
    g.connect(src, map);
    g.connect(map, g.add_sink("out", [&] { return std::make_unique<KeepSink>(got); }));
    Pipeline p(std::move(g), {.threads = 1});
    EXPECT_TRUE(p.run().ok());
    return got.messages.size() == 1 ? got.messages[0].trace_id : 0;
  };
  EXPECT_EQ(traced("{int(payload) * 1000 + 1}"), 7001u);
  EXPECT_EQ(traced("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            0xa3ce929d0e0e4736ULL & ((std::uint64_t{1} << 53) - 1));
  // An id that spells none (an attribute not set) keeps the generated one.
  const std::uint64_t kept = traced("{attrs.missing}");
  EXPECT_NE(kept, 0u);
  EXPECT_EQ(kept, traced("")) << "the generated ids are the same for the same stage";
}

}  // namespace
}  // namespace sluice
