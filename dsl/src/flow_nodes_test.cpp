// The flow nodes the compiler wires (rate_limit, merge, publish / subscribe),
// shared limiters and semaphores, and the file order of tables, against the
// built-in registry: these are the built-ins' DSL contracts.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "sluice/dsl/loader.hpp"

namespace sluice::dsl {
namespace {

LoadResult load(std::string_view text, std::vector<std::string> sets = {}) {
  return load_pipeline_text(text, "p.toml", sets, builtin_registry());
}

std::string all(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds) s += format(d);
  return s;
}

bool has(const std::vector<Diagnostic>& ds, std::string_view code, std::size_t line,
         std::size_t column) {
  return std::any_of(ds.begin(), ds.end(), [&](const Diagnostic& d) {
    return d.code == code && d.span.line == line && d.span.column == column;
  });
}

const Node& node(const Graph& g, std::string_view name) {
  for (const auto& n : g.nodes()) {
    if (n.name == name) return n;
  }
  throw std::out_of_range(std::string(name));
}

const StageSpec& stage(const PipelineSpec& spec, std::string_view name) {
  const StageSpec* s = spec.find_stage(name);
  if (s == nullptr) throw std::out_of_range(std::string(name));
  return *s;
}

std::vector<std::string> keys(const OptionValue& table) {
  std::vector<std::string> out;
  for (const auto& [k, v] : table.table) out.push_back(k);
  return out;
}

// --- table order ---------------------------------------------------------------

TEST(TableOrder, RoutesKeepTheFilesOrderNotTheAlphabets) {
  auto r = load(R"([stages.src]
type = "generate"
[stages.r]
type = "route"
inputs = ["src"]
routes = { zeta = "seq > 1", alpha = "true", mid = "false" }
[stages.z]
type = "discard"
inputs = ["r.zeta", "r.alpha", "r.mid", "r.unmatched"]
)");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  const auto& s = stage(r.spec, "r");
  EXPECT_EQ(keys(s.options.get("routes")), (std::vector<std::string>{"zeta", "alpha", "mid"}));
  EXPECT_EQ(s.ports, (std::vector<std::string>{"zeta", "alpha", "mid", "unmatched"}));
}

TEST(TableOrder, SubTablesToo_SetEntriesComeAfterTheFiles) {
  auto r = load(R"([stages.src]
type = "generate"
[stages.r]
type = "route"
inputs = ["src"]
[stages.r.routes]
zeta = "seq > 1"
beta = "seq > 2"
alpha = "true"
[stages.z]
type = "discard"
inputs = ["r.zeta", "r.beta", "r.alpha", "r.unmatched", "r.added"]
)",
                {"stages.r.routes.added=\"false\""});
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  EXPECT_EQ(keys(stage(r.spec, "r").options.get("routes")),
            (std::vector<std::string>{"zeta", "beta", "alpha", "added"}));

  // A whole table given by --set keeps its own order.
  auto set = load(
      "[stages.src]\ntype = \"generate\"\n[stages.r]\ntype = \"route\"\n"
      "inputs = [\"src\"]\nroutes = { a = \"true\" }\n"
      "[stages.z]\ntype = \"discard\"\ninputs = [\"r.y\", \"r.b\", \"r.unmatched\"]\n",
      {"stages.r.routes={ y = \"true\", b = \"false\" }"});
  ASSERT_TRUE(set.ok()) << all(set.diagnostics);
  EXPECT_EQ(keys(stage(set.spec, "r").options.get("routes")), (std::vector<std::string>{"y", "b"}));
}

// --- limiters and semaphores -------------------------------------------------

constexpr std::string_view kLimited = R"([limiters.api]
rate = 200
burst = 10
[limiters.quota]
rate = 0
burst = 3
mode = "drop"
[semaphores.db]
permits = 2
[stages.src]
type = "generate"
[stages.a]
type = "map"
inputs = ["src"]
rate_limit = "api"
semaphore = "db"
[stages.b]
type = "map"
inputs = ["a"]
rate_limit = "api"
semaphore = "db"
[stages.c]
type = "map"
inputs = ["b"]
rate_limit = { rate = 5, per = "100ms", burst = 2, mode = "delay", max_wait = "1s" }
semaphore = { permits = 3 }
[stages.d]
type = "map"
inputs = ["c"]
rate_limit = "quota"
[stages.out]
type = "discard"
inputs = ["d"]
)";

TEST(Limits, SharedByNameOneObjectInlineOnePerStage) {
  auto r = load(kLimited);
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  auto c = compile(r.spec, builtin_registry());
  ASSERT_TRUE(c.ok()) << all(c.diagnostics);
  EXPECT_TRUE(c.diagnostics.empty()) << all(c.diagnostics);  // enforced: no warning
  const auto& a = node(c.graph, "a").options;
  const auto& b = node(c.graph, "b").options;
  const auto& cc = node(c.graph, "c").options;
  ASSERT_TRUE(a.rate_limit && a.semaphore && cc.rate_limit && cc.semaphore);
  EXPECT_EQ(a.rate_limit, b.rate_limit);
  EXPECT_EQ(a.semaphore, b.semaphore);
  EXPECT_NE(a.rate_limit, cc.rate_limit);
  EXPECT_EQ(a.rate_limit->config().rate, 200);
  EXPECT_EQ(a.rate_limit->config().per, kNanosPerSecond);
  EXPECT_EQ(a.rate_limit->config().burst, 10);
  EXPECT_EQ(a.rate_limit->config().mode, RateLimiter::Mode::delay);
  EXPECT_EQ(a.rate_limit->config().max_wait, RateLimiter::kForever);
  EXPECT_EQ(a.semaphore->permits(), 2);
  EXPECT_EQ(cc.rate_limit->config().per, from_millis(100));
  EXPECT_EQ(cc.rate_limit->config().burst, 2);
  EXPECT_EQ(cc.rate_limit->config().max_wait, kNanosPerSecond);
  EXPECT_EQ(cc.semaphore->permits(), 3);
  const auto& d = node(c.graph, "d").options;
  EXPECT_EQ(d.rate_limit->config().rate, 0);
  EXPECT_EQ(d.rate_limit->config().mode, RateLimiter::Mode::drop);
  EXPECT_FALSE(d.semaphore);
  // The bucket starts full: `burst` tokens at once, then one per 5 ms.
  const Nanos t = SteadyClock::instance().now();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.rate_limit->acquire(t).at, t) << i;
  EXPECT_GT(a.rate_limit->acquire(t).at, t);
}

TEST(Limits, BadValuesAreReportedWhereTheyAre) {
  auto r = load(R"([limiters.a]
rate = -1
burst = 0
mode = "wait"
max_wait = "-1s"
[semaphores.s]
permits = 0
[stages.src]
type = "generate"
rate_limit = "a"
[stages.x]
type = "map"
inputs = ["src"]
rate_limit = { burst = 2 }
[stages.out]
type = "discard"
inputs = ["x"]
)");
  const auto& ds = r.diagnostics;
  EXPECT_TRUE(has(ds, "out-of-range", 2, 8)) << all(ds);
  EXPECT_TRUE(has(ds, "out-of-range", 3, 9)) << all(ds);
  EXPECT_TRUE(has(ds, "bad-choice", 4, 8)) << all(ds);
  EXPECT_TRUE(has(ds, "out-of-range", 7, 11)) << all(ds);
  EXPECT_TRUE(has(ds, "missing-key", 14, 14)) << all(ds);  // inline table without rate
}

TEST(Limits, OnASourceTheyAreNotEnforcedAndSaySo) {
  auto r = load(
      "[limiters.a]\nrate = 1\n[stages.src]\ntype = \"generate\"\nrate_limit = \"a\"\n"
      "[stages.out]\ntype = \"discard\"\ninputs = [\"src\"]\n");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  auto c = compile(r.spec, builtin_registry());
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(has(c.diagnostics, "not-enforced", 5, 14)) << all(c.diagnostics);
  EXPECT_FALSE(node(c.graph, "src").options.rate_limit);
}

// --- rate_limit node ------------------------------------------------------------

TEST(RateLimitNode, NamedOrInlineLimiter) {
  auto r = load(R"([limiters.api]
rate = 50
burst = 4
[stages.src]
type = "generate"
[stages.shared]
type = "rate_limit"
inputs = ["src"]
limiter = "api"
[stages.other]
type = "map"
inputs = ["shared"]
rate_limit = "api"
[stages.own]
type = "rate_limit"
inputs = ["other"]
rate = 2
per = "1ms"
burst = 3
mode = "drop"
[stages.out]
type = "discard"
inputs = ["own"]
)");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  auto c = compile(r.spec, builtin_registry());
  ASSERT_TRUE(c.ok()) << all(c.diagnostics);
  EXPECT_TRUE(c.diagnostics.empty()) << all(c.diagnostics);
  const auto& shared = node(c.graph, "shared").options.rate_limit;
  ASSERT_TRUE(shared);
  EXPECT_EQ(shared, node(c.graph, "other").options.rate_limit);
  EXPECT_EQ(shared->config().burst, 4);
  const auto& own = node(c.graph, "own").options.rate_limit;
  ASSERT_TRUE(own);
  EXPECT_EQ(own->config().rate, 2);
  EXPECT_EQ(own->config().per, from_millis(1));
  EXPECT_EQ(own->config().burst, 3);
  EXPECT_EQ(own->config().mode, RateLimiter::Mode::drop);
}

TEST(RateLimitNode, ExactlyOneOfLimiterOrRate) {
  auto r = load(R"([limiters.api]
rate = 50
[stages.src]
type = "generate"
[stages.neither]
type = "rate_limit"
inputs = ["src"]
[stages.both]
type = "rate_limit"
inputs = ["neither"]
limiter = "api"
rate = 3
[stages.extra]
type = "rate_limit"
inputs = ["both"]
limiter = "api"
burst = 5
[stages.twice]
type = "rate_limit"
inputs = ["extra"]
rate = 1
rate_limit = "api"
[stages.nope]
type = "rate_limit"
inputs = ["twice"]
limiter = "apu"
[stages.out]
type = "discard"
inputs = ["nope"]
)");
  const auto& ds = r.diagnostics;
  EXPECT_TRUE(has(ds, "missing-key", 5, 1)) << all(ds);
  EXPECT_TRUE(has(ds, "conflicting-keys", 12, 8)) << all(ds);
  EXPECT_TRUE(has(ds, "conflicting-keys", 17, 9)) << all(ds);
  EXPECT_TRUE(has(ds, "conflicting-keys", 22, 14)) << all(ds);
  EXPECT_TRUE(has(ds, "undeclared-name", 26, 11)) << all(ds);
  EXPECT_NE(all(ds).find("did you mean 'api'?"), std::string::npos) << all(ds);
}

// --- merge ------------------------------------------------------------------------

TEST(Merge, FairInterleavesArrivalDoesNot) {
  auto r = load(R"([stages.a]
type = "generate"
[stages.b]
type = "generate"
[stages.fair]
type = "merge"
inputs = ["a", "b"]
[stages.arrival]
type = "merge"
inputs = ["fair"]
policy = "arrival"
[stages.out]
type = "discard"
inputs = ["arrival"]
)");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  auto c = compile(r.spec, builtin_registry());
  ASSERT_TRUE(c.ok()) << all(c.diagnostics);
  EXPECT_TRUE(node(c.graph, "fair").options.interleave_inputs);  // the default
  EXPECT_FALSE(node(c.graph, "arrival").options.interleave_inputs);
}

// --- topics -------------------------------------------------------------------------

constexpr std::string_view kBus = R"([pipeline]
channel_capacity = 64
[topics.events]
capacity = 8
slow_subscriber = "drop_oldest"
[topics.plain]
[stages.src]
type = "generate"
[stages.p1]
type = "publish"
inputs = ["src"]
topic = "events"
[stages.p2]
type = "publish"
inputs = ["src"]
topic = "events"
[stages.fast]
type = "subscribe"
topic = "events"
overflow = "block"
capacity = 100
[stages.slow]
type = "subscribe"
topic = "events"
[stages.p3]
type = "publish"
inputs = ["src"]
topic = "plain"
[stages.s3]
type = "subscribe"
topic = "plain"
[stages.out]
type = "discard"
inputs = ["fast", "slow", "s3"]
)";

TEST(Topics, AreEdgesFromEveryPublisherToEverySubscriber) {
  auto r = load(kBus);
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  EXPECT_TRUE(r.diagnostics.empty()) << all(r.diagnostics);
  auto c = compile(r.spec, builtin_registry());
  ASSERT_TRUE(c.ok()) << all(c.diagnostics);
  const auto& g = c.graph;
  for (const char* n : {"p1", "p2", "p3", "fast", "slow", "s3"}) {
    EXPECT_EQ(node(g, n).kind, NodeKind::stage) << n;
    EXPECT_EQ(node(g, n).ports, std::vector<std::string>{"out"}) << n;
  }
  struct Seen {
    std::string from, to;
    std::size_t capacity;
    Overflow overflow;
  };
  std::vector<Seen> topic_edges;
  for (const auto& e : g.edges()) {
    const auto& from = g.nodes()[e.from].name;
    if (from.front() != 'p') continue;
    if (g.nodes()[e.to].name == "p1" || g.nodes()[e.to].name == "p2") continue;
    topic_edges.push_back({from, g.nodes()[e.to].name, e.options.capacity, e.options.overflow});
  }
  ASSERT_EQ(topic_edges.size(), 5u);
  for (const auto& e : topic_edges) {
    if (e.to == "fast") {  // the subscriber's own capacity and overflow win
      EXPECT_EQ(e.capacity, 100u);
      EXPECT_EQ(e.overflow, Overflow::block);
    } else if (e.to == "slow") {  // the topic's
      EXPECT_EQ(e.capacity, 8u);
      EXPECT_EQ(e.overflow, Overflow::drop_oldest);
    } else {  // defaults: channel_capacity, block
      EXPECT_EQ(e.from, "p3");
      EXPECT_EQ(e.to, "s3");
      EXPECT_EQ(e.capacity, 64u);
      EXPECT_EQ(e.overflow, Overflow::block);
    }
  }
  const auto& fast = stage(r.spec, "fast");
  ASSERT_EQ(fast.inputs.size(), 2u);
  EXPECT_EQ(fast.inputs[0].topic, "events");
  EXPECT_EQ(fast.inputs[0].stage, "p1");
  EXPECT_EQ(fast.inputs[1].stage, "p2");
  EXPECT_EQ(fast.inputs[0].span.line, 19u);  // its `topic`
}

TEST(Topics, WithoutPublisherOrSubscriberWarnAndStillRun) {
  auto r = load(R"([topics.lonely]
[topics.deaf]
[topics.unused]
[stages.src]
type = "generate"
[stages.pub]
type = "publish"
inputs = ["src"]
topic = "deaf"
[stages.sub]
type = "subscribe"
topic = "lonely"
[stages.out]
type = "discard"
inputs = ["sub"]
)");
  ASSERT_TRUE(r.ok()) << all(r.diagnostics);
  EXPECT_TRUE(has(r.diagnostics, "topic-without-subscriber", 9, 9)) << all(r.diagnostics);
  EXPECT_TRUE(has(r.diagnostics, "topic-without-publisher", 12, 9)) << all(r.diagnostics);
  EXPECT_TRUE(has(r.diagnostics, "unused-topic", 3, 1)) << all(r.diagnostics);
  auto c = compile(r.spec, builtin_registry());
  ASSERT_TRUE(c.ok()) << all(c.diagnostics);
  EXPECT_EQ(node(c.graph, "sub").kind, NodeKind::source);  // ends at once
  EXPECT_EQ(node(c.graph, "pub").kind, NodeKind::stage);   // its port has no edge: dropped
  EXPECT_EQ(node(c.graph, "pub").ports, std::vector<std::string>{"out"});
}

TEST(Topics, UndeclaredTopicsAndCyclesThroughTopicsAreErrors) {
  auto r = load(R"([topics.loop]
[stages.src]
type = "generate"
[stages.in]
type = "subscribe"
topic = "loop"
[stages.both]
type = "merge"
inputs = ["src", "in"]
[stages.pub]
type = "publish"
inputs = ["both"]
topic = "loop"
[stages.typo]
type = "publish"
inputs = ["src"]
topic = "lop"
)");
  EXPECT_TRUE(has(r.diagnostics, "undeclared-name", 17, 9)) << all(r.diagnostics);
  EXPECT_NE(all(r.diagnostics).find("did you mean 'loop'?"), std::string::npos);
  EXPECT_TRUE(has(r.diagnostics, "cycle", 9, 18)) << all(r.diagnostics);  // both's "in"
  EXPECT_NE(all(r.diagnostics).find("pub -> (topic 'loop') -> in"), std::string::npos)
      << all(r.diagnostics);
}

}  // namespace
}  // namespace sluice::dsl
