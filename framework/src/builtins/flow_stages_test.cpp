// The flow stages (route, fan_out, take, sample, split, batch, dedupe,
// count) through the real runtime: exact outputs and their stats relations.
// Time-dependent ones run on a ManualClock; nothing here sleeps.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "builtins/bad_option.hpp"
#include "builtins/sharded_map.hpp"
#include "builtins/test_graph.hpp"
#include "sluice/pipeline.hpp"
#include "sluice/registry.hpp"

namespace sluice {
namespace {

using builtins::BadOption;
using testing::add;
using testing::KeepSink;
using testing::Kept;
using testing::Set;

OptionValue table(std::vector<std::pair<std::string, std::string>> entries) {
  OptionValue v;
  v.kind = OptionValue::Kind::table;
  for (auto& [k, e] : entries) v.table.emplace_back(k, OptionValue::of(e));
  return v;
}

using testing::keep;
using testing::stage;

template <class Pred>
void settle(Pred pred) {
  for (int i = 0; i < 10'000'000 && !pred(); ++i) std::this_thread::yield();
  ASSERT_TRUE(pred());
}

/// Runs to the end, failing (and cancelling) if that takes longer than `limit`.
RunResult run_within(Pipeline& p, std::chrono::seconds limit) {
  p.start();
  auto done = std::async(std::launch::async, [&p] { return p.wait(); });
  if (done.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << "still running after " << limit.count() << " s";
    p.cancel();
  }
  return done.get();
}

// --- route -------------------------------------------------------------------

TEST(Route, FirstMatchingRouteInTableOrderElseUnmatched) {
  Kept small, mid, rest;
  Graph g;
  auto src = add(g, "src", "generate", false,
                 {{"count", OptionValue::of(9)}, {"payload", OptionValue::of("{{\"n\": {seq}}}")}});
  // "mid" also matches 1 and 2: the first route wins, whatever the names.
  auto r =
      add(g, "r", "route", true, {{"routes", table({{"small", ".n < 3"}, {"mid", ".n < 6"}})}});
  g.connect(src, r);
  g.connect(r, "small", keep(g, "s", small));
  g.connect(r, "mid", keep(g, "m", mid));
  g.connect(r, "unmatched", keep(g, "u", rest));
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  EXPECT_EQ(small.payloads(), (std::vector<std::string>{"{\"n\": 1}", "{\"n\": 2}"}));
  EXPECT_EQ(mid.size(), 3u);
  EXPECT_EQ(rest.size(), 4u);
  const auto s = stage(p, "r");
  EXPECT_EQ(s.in, 9u);
  EXPECT_EQ(s.out, 9u);
  EXPECT_EQ(s.filtered + s.dropped, 0u);
}

TEST(Route, OrderIsTheTablesNotTheAlphabets) {
  const StageType* t = builtin_registry().find("route", true);
  ASSERT_NE(t, nullptr);
  Options o({{"routes", table({{"zeta", "true"}, {"alpha", "true"}})}});
  EXPECT_EQ(t->output_ports(o), (std::vector<std::string>{"zeta", "alpha", "unmatched"}));
  Kept zeta, alpha;
  Graph g;
  auto src = add(g, "src", "generate", false, {{"count", OptionValue::of(5)}});
  auto r = add(g, "r", "route", true, {{"routes", table({{"zeta", "true"}, {"alpha", "true"}})}});
  g.connect(src, r);
  g.connect(r, "zeta", keep(g, "z", zeta));
  g.connect(r, "alpha", keep(g, "a", alpha));
  Pipeline p(std::move(g), {.threads = 1});
  ASSERT_TRUE(p.run().ok());
  EXPECT_EQ(zeta.size(), 5u);
  EXPECT_EQ(alpha.size(), 0u);
}

TEST(Route, UnwiredUnmatchedIsCountedDropped) {
  Kept even;
  Graph g;
  auto src = add(g, "src", "generate", false, {{"count", OptionValue::of(10)}});
  auto r = add(g, "r", "route", true, {{"routes", table({{"even", "seq % 2 == 0"}})}});
  g.connect(src, r);
  g.connect(r, "even", keep(g, "e", even));
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  EXPECT_EQ(even.size(), 5u);
  const auto s = stage(p, "r");
  EXPECT_EQ(s.in, s.out + s.dropped);
  EXPECT_EQ(s.dropped, 5u);
}

TEST(Route, BadRouteNamesAreRejectedWhenListingPorts) {
  const StageType* t = builtin_registry().find("route", true);
  ASSERT_NE(t, nullptr);
  for (const auto& routes : {table({{"unmatched", "true"}}), table({})}) {
    Options o({{"routes", routes}});
    EXPECT_THROW((void)t->output_ports(o), BadOption);
    EXPECT_THROW((void)t->make_stage(o), BadOption);
  }
}

TEST(Route, ABadExpressionKeepsThePortsAndFailsTheFactoryAtItsColumn) {
  const StageType* t = builtin_registry().find("route", true);
  ASSERT_NE(t, nullptr);
  Options o({{"routes", table({{"ok", "true"}, {"slow", ".latency > "}})}});
  EXPECT_EQ(t->output_ports(o), (std::vector<std::string>{"ok", "slow", "unmatched"}));
  try {
    (void)t->make_stage(o);
    ADD_FAILURE() << "no exception";
  } catch (const BadOption& e) {
    EXPECT_EQ(e.option(), "routes.slow");
    EXPECT_EQ(e.column(), 12u);
    EXPECT_EQ(e.message(),
              "in expression 'routes.slow': expected an expression, found end of input");
  }
  OptionValue not_a_string = table({{"a", "true"}});
  not_a_string.table[0].second = OptionValue::of(5);
  try {
    (void)t->make_stage(Options({{"routes", not_a_string}}));
    ADD_FAILURE() << "no exception";
  } catch (const BadOption& e) {
    EXPECT_EQ(e.option(), "routes.a");
    EXPECT_EQ(e.message(), "'routes.a' must be an expression string, not an integer");
  }
}

// --- fan_out -----------------------------------------------------------------

/// Runs 2000 messages with 25 keys through fan_out hash over 4 ports;
/// returns the port each key went to (and fails if a key went to two).
std::map<std::string, std::size_t> hash_ports() {
  std::vector<Kept> kept(4);
  Graph g;
  auto src = add(g, "src", "generate", false,
                 {{"count", OptionValue::of(2000)}, {"key", OptionValue::of("user-{seq % 25}")}});
  auto f = add(g, "f", "fan_out", true,
               {{"mode", OptionValue::of("hash")},
                {"by", OptionValue::of("key")},
                {"outputs", OptionValue::of(4)}});
  g.connect(src, f);
  for (std::size_t i = 0; i < 4; ++i) {
    g.connect(f, std::to_string(i), keep(g, "out" + std::to_string(i), kept[i]));
  }
  Pipeline p(std::move(g), {.threads = 2});
  EXPECT_TRUE(p.run().ok());
  std::map<std::string, std::size_t> port_of;
  std::size_t total = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_GT(kept[i].size(), 0u) << "port " << i << " got nothing";
    total += kept[i].size();
    for (const auto& m : kept[i].messages) {
      auto [it, fresh] = port_of.emplace(m.key, i);
      EXPECT_EQ(it->second, i) << m.key << " reached two ports";
    }
  }
  EXPECT_EQ(total, 2000u);
  const auto s = stage(p, "f");
  EXPECT_EQ(s.in, 2000u);
  EXPECT_EQ(s.out, 2000u);
  return port_of;
}

TEST(FanOut, HashSendsEachKeyToOnePortCoveringAllPortsStablyAcrossRuns) {
  const auto first = hash_ports();
  EXPECT_EQ(first.size(), 25u);
  EXPECT_EQ(hash_ports(), first);
  // Pinned: the port of a value must not change between versions either
  // (splitmix64 finaliser of FNV-1a-64 of the rendered value, mod outputs).
  EXPECT_EQ(first.at("user-0"), 0u);
  EXPECT_EQ(first.at("user-1"), 0u);
  EXPECT_EQ(first.at("user-2"), 3u);
  EXPECT_EQ(first.at("user-3"), 2u);
}

TEST(FanOut, RoundRobinSpreadsEvenly) {
  std::vector<Kept> kept(4);
  Graph g;
  auto src = add(g, "src", "generate", false, {{"count", OptionValue::of(1000)}});
  auto f = add(g, "f", "fan_out", true,
               {{"mode", OptionValue::of("round_robin")}, {"outputs", OptionValue::of(4)}});
  g.connect(src, f);
  for (std::size_t i = 0; i < 4; ++i) {
    g.connect(f, std::to_string(i), keep(g, "out" + std::to_string(i), kept[i]));
  }
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  for (std::size_t i = 0; i < 4; ++i) {
    ASSERT_EQ(kept[i].size(), 250u) << "port " << i;
    EXPECT_EQ(kept[i].messages.front().seq, i + 1);  // 1 -> port 0, 2 -> port 1, ...
  }
}

TEST(FanOut, BroadcastCopiesToEveryPort) {
  std::vector<Kept> kept(3);
  Graph g;
  auto src = add(g, "src", "generate", false, {{"count", OptionValue::of(10)}});
  auto f = add(g, "f", "fan_out", true, {{"outputs", OptionValue::of(3)}});  // broadcast
  g.connect(src, f);
  for (std::size_t i = 0; i < 3; ++i) {
    g.connect(f, std::to_string(i), keep(g, "out" + std::to_string(i), kept[i]));
  }
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  for (auto& k : kept) {
    ASSERT_EQ(k.size(), 10u);
    EXPECT_EQ(k.messages[9].payload, "10");
  }
  const auto s = stage(p, "f");
  EXPECT_EQ(s.in, 10u);
  EXPECT_EQ(s.out, 30u);  // in * outputs
}

TEST(FanOut, HashWithoutByIsRejected) {
  const StageType* t = builtin_registry().find("fan_out", true);
  ASSERT_NE(t, nullptr);
  Options o({{"mode", OptionValue::of("hash")}});
  o.apply_defaults(t->schema);
  EXPECT_EQ(t->output_ports(o), (std::vector<std::string>{"0", "1"}));
  try {
    (void)t->make_stage(o);
    ADD_FAILURE() << "no exception";
  } catch (const BadOption& e) {
    EXPECT_EQ(e.option(), "mode");
    EXPECT_FALSE(e.hint().empty());
  }
}

// --- take --------------------------------------------------------------------

TEST(Take, EndsAnEndlessSourcePromptlyWithExactlyCount) {
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false, {{"count", OptionValue::of(0)}});  // endless
  auto t = add(g, "t", "take", true, {{"count", OptionValue::of(100)}});
  g.connect(src, t);
  g.connect(t, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(run_within(p, std::chrono::seconds(10)).ok());
  ASSERT_EQ(got.size(), 100u);
  for (std::size_t i = 0; i < 100; ++i) EXPECT_EQ(got.messages[i].seq, i + 1);
  const auto s = stage(p, "t");
  EXPECT_EQ(s.out, 100u);
  EXPECT_EQ(s.in, s.out + s.filtered);
}

TEST(Take, WorkersShareOneCount) {
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false, {{"count", OptionValue::of(0)}});
  auto t = add(g, "t", "take", true, {{"count", OptionValue::of(100)}}, /*workers=*/3);
  g.connect(src, t);
  g.connect(t, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(run_within(p, std::chrono::seconds(10)).ok());
  EXPECT_EQ(got.size(), 100u);
  const auto s = stage(p, "t");
  EXPECT_EQ(s.in, s.out + s.filtered);
}

TEST(Take, AFiniteSourceShorterThanCountPassesEverything) {
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false, {{"count", OptionValue::of(7)}});
  auto t = add(g, "t", "take", true, {{"count", OptionValue::of(100)}});
  g.connect(src, t);
  g.connect(t, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 1});
  ASSERT_TRUE(p.run().ok());
  EXPECT_EQ(got.size(), 7u);
}

// --- sample ------------------------------------------------------------------

std::vector<std::string> sampled(double rate, std::int64_t seed) {
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false, {{"count", OptionValue::of(10000)}});
  auto s = add(g, "s", "sample", true,
               {{"rate", OptionValue::of(rate)}, {"seed", OptionValue::of(seed)}});
  g.connect(src, s);
  g.connect(s, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 2});
  EXPECT_TRUE(p.run().ok());
  const auto st = stage(p, "s");
  EXPECT_EQ(st.in, 10000u);
  EXPECT_EQ(st.in, st.out + st.filtered);
  return got.payloads();
}

TEST(Sample, KeepsAboutRateAndTheSameMessagesForTheSameSeed) {
  const auto a = sampled(0.25, 7);
  EXPECT_NEAR(static_cast<double>(a.size()), 2500.0, 200.0);
  EXPECT_EQ(sampled(0.25, 7), a);
  EXPECT_NE(sampled(0.25, 8), a);
  EXPECT_EQ(sampled(0.0, 7).size(), 0u);
  EXPECT_EQ(sampled(1.0, 7).size(), 10000u);
}

// --- split -------------------------------------------------------------------

TEST(Split, OneMessagePerPieceCopyingTheOtherFields) {
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false,
                 {{"count", OptionValue::of(2)},
                  {"payload", OptionValue::of("a{seq},,b{seq},")},
                  {"key", OptionValue::of("k{seq}")}});
  auto s = add(g, "s", "split", true, {{"separator", OptionValue::of(",")}});
  g.connect(src, s);
  g.connect(s, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  EXPECT_EQ(got.payloads(), (std::vector<std::string>{"a1", "b1", "a2", "b2"}));
  EXPECT_EQ(got.messages[1].key, "k1");
  EXPECT_EQ(got.messages[1].seq, 1u);
  EXPECT_EQ(got.messages[2].key, "k2");
  EXPECT_EQ(got.messages[2].trace_id, got.messages[3].trace_id);
  const auto st = stage(p, "s");
  EXPECT_EQ(st.in, 2u);
  EXPECT_EQ(st.out, 4u);
  EXPECT_EQ(st.filtered, 0u);
}

TEST(Split, KeepEmptyAndMessagesWithNoPiece) {
  Kept with_empty, without;
  for (bool keep_empty : {true, false}) {
    Kept& got = keep_empty ? with_empty : without;
    Graph g;
    auto src = add(g, "src", "generate", false,
                   {{"count", OptionValue::of(2)}, {"payload", OptionValue::of("||")}});
    auto s =
        add(g, "s", "split", true,
            {{"separator", OptionValue::of("||")}, {"keep_empty", OptionValue::of(keep_empty)}});
    g.connect(src, s);
    g.connect(s, keep(g, "out", got));
    Pipeline p(std::move(g), {.threads = 1});
    ASSERT_TRUE(p.run().ok());
    const auto st = stage(p, "s");
    EXPECT_EQ(st.filtered, keep_empty ? 0u : 2u);
  }
  EXPECT_EQ(with_empty.payloads(), (std::vector<std::string>{"", "", "", ""}));
  EXPECT_EQ(without.size(), 0u);
}

// --- batch -------------------------------------------------------------------

TEST(Batch, FullBatchesGoAtOnceTheRestAtEndOfInput) {
  ManualClock clock;
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false, {{"count", OptionValue::of(5)}});
  auto b = add(g, "b", "batch", true,
               {{"size", OptionValue::of(3)},
                {"separator", OptionValue::of("+")},
                {"timeout", OptionValue::duration(kNanosPerSecond)}});
  g.connect(src, b);
  g.connect(b, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 2, .clock = &clock});
  p.start();
  // The source ends after 5: the partial batch goes at once, without waiting
  // for its timeout.
  ASSERT_TRUE(p.wait().ok());
  EXPECT_EQ(got.payloads(), (std::vector<std::string>{"1+2+3", "4+5"}));
  EXPECT_EQ(got.messages[0].value, 3);
  EXPECT_EQ(got.messages[1].value, 2);
  EXPECT_EQ(got.messages[1].seq, 4u);  // the first message's fields
  const auto st = stage(p, "b");
  EXPECT_EQ(st.in, 5u);
  EXPECT_EQ(st.out, 2u);
}

TEST(Batch, ABatchKeepsItsFirstMessagesTraceId) {
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false, {{"count", OptionValue::of(5)}});
  auto ids = add(g, "ids", "map", true, {{"trace_id", OptionValue::of("{seq * 1000}")}});
  auto b = add(g, "b", "batch", true, {{"size", OptionValue::of(3)}});
  g.connect(src, ids);
  g.connect(ids, b);
  g.connect(b, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  ASSERT_EQ(got.messages.size(), 2u);
  EXPECT_EQ(got.messages[0].trace_id, 1000u);
  EXPECT_EQ(got.messages[1].trace_id, 4000u);
}

TEST(Batch, TheTimeoutCountsFromEachBatchsFirstMessage) {
  ManualClock clock;
  Kept got;
  Graph g;
  // One message per second: at t = 0, 1, 2.
  auto src = add(g, "src", "generate", false,
                 {{"count", OptionValue::of(3)}, {"rate", OptionValue::of(1.0)}});
  auto b = add(g, "b", "batch", true,
               {{"size", OptionValue::of(10)},
                {"separator", OptionValue::of(",")},
                {"timeout", OptionValue::duration(from_millis(1500))}});
  g.connect(src, b);
  g.connect(b, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 2, .clock = &clock});
  p.start();
  auto step_to = [&](Nanos t) {
    clock.set(t);
    p.fire_due_timers();
  };
  settle([&] { return stage(p, "b").in == 1 && p.pending_timers() == 2; });
  step_to(kNanosPerSecond);
  settle([&] { return stage(p, "b").in == 2 && p.idle(); });
  EXPECT_EQ(got.size(), 0u);
  step_to(from_millis(1500));  // the first batch's timeout
  settle([&] { return got.size() == 1; });
  step_to(2 * kNanosPerSecond);
  // The third message ends the input: its batch goes at end of input.
  ASSERT_TRUE(p.wait().ok());
  EXPECT_EQ(got.payloads(), (std::vector<std::string>{"1,2", "3"}));
}

// --- dedupe ------------------------------------------------------------------

struct DedupeRun {
  std::vector<std::string> keys;
  StageStats stats;
};

DedupeRun dedupe(int count, const std::string& key, Set options, std::size_t workers = 1) {
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false,
                 {{"count", OptionValue::of(count)}, {"key", OptionValue::of(key)}});
  auto d = add(g, "d", "dedupe", true, std::move(options), workers);
  g.connect(src, d);
  g.connect(d, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 2});
  EXPECT_TRUE(p.run().ok());
  DedupeRun r;
  for (const auto& m : got.messages) r.keys.push_back(m.key);
  r.stats = stage(p, "d");
  return r;
}

TEST(Dedupe, DropsRepeatsOfTheKeyCountingThemFiltered) {
  const auto r = dedupe(20, "k{seq % 5}", {});
  EXPECT_EQ(r.keys, (std::vector<std::string>{"k1", "k2", "k3", "k4", "k0"}));
  EXPECT_EQ(r.stats.in, 20u);
  EXPECT_EQ(r.stats.out, 5u);
  EXPECT_EQ(r.stats.filtered, 15u);
}

TEST(Dedupe, ForgetsTheOldestBeyondCapacity) {
  // Five keys in turn, two remembered: each has been forgotten when it comes back.
  EXPECT_EQ(dedupe(20, "k{seq % 5}", {{"capacity", OptionValue::of(2)}}).keys.size(), 20u);
  EXPECT_EQ(dedupe(20, "k{seq % 5}", {{"capacity", OptionValue::of(5)}}).keys.size(), 5u);
  // By another expression than the key.
  EXPECT_EQ(dedupe(20, "k", {{"by", OptionValue::of("seq % 3")}}).keys.size(), 3u);
}

TEST(Dedupe, WorkersShareWhatTheyHaveSeen) {
  const auto r = dedupe(2000, "k{seq % 10}", {}, /*workers=*/3);
  EXPECT_EQ(r.keys.size(), 10u);
  EXPECT_EQ(std::set<std::string>(r.keys.begin(), r.keys.end()).size(), 10u);
  EXPECT_EQ(r.stats.in, r.stats.out + r.stats.filtered);
}

// Shared by workers the memory is sharded, but no value is forgotten before
// `capacity` newer ones came: 50 users with room for 60 pass once each.
TEST(Dedupe, WorkersRememberAtLeastTheLastCapacityValues) {
  const auto r = dedupe(5000, "user-{seq % 50}", {{"capacity", OptionValue::of(60)}},
                        /*workers=*/2);
  EXPECT_EQ(r.keys.size(), 50u);
  EXPECT_EQ(r.stats.in, r.stats.out + r.stats.filtered);
}

TEST(Dedupe, TtlCountsFromAdmission) {
  ManualClock clock;
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false,
                 {{"count", OptionValue::of(4)},
                  {"rate", OptionValue::of(1.0)},
                  {"key", OptionValue::of("same")}});
  auto d = add(g, "d", "dedupe", true, {{"ttl", OptionValue::duration(from_millis(1500))}});
  g.connect(src, d);
  g.connect(d, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 2, .clock = &clock});
  p.start();
  for (int i = 1; i <= 3; ++i) {
    // Taken is not yet processed: idle() says the stage is done at this time.
    settle([&] { return stage(p, "d").in == static_cast<std::uint64_t>(i) && p.idle(); });
    clock.advance(kNanosPerSecond);
    p.fire_due_timers();
  }
  ASSERT_TRUE(p.wait().ok());
  // t=0 passes; t=1 is a repeat; t=2 is 2 s after admission: passes; t=3 repeat.
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got.messages[0].seq, 1u);
  EXPECT_EQ(got.messages[1].seq, 3u);
  EXPECT_EQ(stage(p, "d").filtered, 2u);
}

// --- count -------------------------------------------------------------------

TEST(Count, OneSortedMessagePerGroupEqualToAReferenceCount) {
  for (std::size_t workers : {1u, 3u}) {
    Kept got;
    Graph g;
    auto src = add(g, "src", "generate", false,
                   {{"count", OptionValue::of(1000)},
                    {"payload", OptionValue::of("{{\"level\": \"l{seq * seq % 11}\"}}")}});
    auto c = add(g, "c", "count", true, {{"by", OptionValue::of(".level")}}, workers);
    g.connect(src, c);
    g.connect(c, keep(g, "out", got));
    Pipeline p(std::move(g), {.threads = 2});
    ASSERT_TRUE(p.run().ok());
    std::map<std::string, std::uint64_t> reference;
    for (std::uint64_t s = 1; s <= 1000; ++s) ++reference["l" + std::to_string(s * s % 11)];
    std::vector<std::string> expected;
    for (const auto& [group, n] : reference) expected.push_back(group + "\t" + std::to_string(n));
    EXPECT_EQ(got.payloads(), expected) << workers << " workers";
    ASSERT_FALSE(got.messages.empty());
    EXPECT_EQ(got.messages[0].key, "l0");
    EXPECT_EQ(got.messages[0].seq, 1u);
    const auto st = stage(p, "c");
    EXPECT_EQ(st.in, 1000u);
    EXPECT_EQ(st.out, reference.size());
  }
}

TEST(Count, JsonFormatEscapesTheGroup) {
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false,
                 {{"count", OptionValue::of(3)}, {"key", OptionValue::of("say \"{seq % 2}\"")}});
  auto c = add(g, "c", "count", true, {{"format", OptionValue::of("json")}});
  g.connect(src, c);
  g.connect(c, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 1});
  ASSERT_TRUE(p.run().ok());
  EXPECT_EQ(got.payloads(), (std::vector<std::string>{R"({"group": "say \"0\"", "count": 1})",
                                                      R"({"group": "say \"1\"", "count": 2})"}));
}

TEST(Count, IntervalEmitsRunningTotals) {
  ManualClock clock;
  Kept got;
  Graph g;
  auto src = add(g, "src", "generate", false,
                 {{"count", OptionValue::of(5)},
                  {"rate", OptionValue::of(1.0)},
                  {"key", OptionValue::of("k")}});
  auto c = add(g, "c", "count", true, {{"interval", OptionValue::duration(from_millis(2500))}});
  g.connect(src, c);
  g.connect(c, keep(g, "out", got));
  Pipeline p(std::move(g), {.threads = 2, .clock = &clock});
  p.start();
  auto step_to = [&](Nanos t) {
    clock.set(t);
    p.fire_due_timers();
  };
  settle([&] { return stage(p, "c").in == 1 && p.idle(); });
  step_to(kNanosPerSecond);
  settle([&] { return stage(p, "c").in == 2 && p.idle(); });
  step_to(2 * kNanosPerSecond);
  settle([&] { return stage(p, "c").in == 3 && p.idle(); });
  step_to(from_millis(2500));
  settle([&] { return got.size() == 1; });
  step_to(3 * kNanosPerSecond);
  settle([&] { return stage(p, "c").in == 4 && p.idle(); });
  step_to(4 * kNanosPerSecond);
  ASSERT_TRUE(p.wait().ok());
  EXPECT_EQ(got.payloads(), (std::vector<std::string>{"k\t3", "k\t5"}));
}

// --- the sharded map ---------------------------------------------------------

TEST(ShardedMap, ConcurrentUpdatesAddUpAndSnapshotsAreSorted) {
  builtins::ShardedMap<std::uint64_t> counts(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&counts] {
      for (int i = 0; i < 10000; ++i) {
        counts.update("k" + std::to_string(i % 100), [](std::uint64_t& n) { ++n; });
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto all = counts.snapshot();
  ASSERT_EQ(all.size(), 100u);
  EXPECT_EQ(counts.size(), 100u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].second, 400u) << all[i].first;
    if (i > 0) {
      EXPECT_LT(all[i - 1].first, all[i].first);
    }
  }
}

TEST(ShardedMap, ShardCountIsAPowerOfTwoAndEveryHashFallsInOne) {
  builtins::Sharded<int> one(1), six(6);
  EXPECT_EQ(one.shard_count(), 1u);
  EXPECT_EQ(six.shard_count(), 8u);
  std::set<std::size_t> used;
  for (std::size_t h = 0; h < 1000; ++h) {
    used.insert(six.shard_of(std::hash<std::string>{}(std::to_string(h))));
  }
  EXPECT_EQ(used, (std::set<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7}));
}

}  // namespace
}  // namespace sluice
