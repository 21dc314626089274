// RunOptions::trace_file through a real run: a span for every turn of every
// stage that adds up to its stats, flows whose hops follow the graph's edges
// and sit inside the span of the turn that handled the message (fused or
// not), and instants for retries, breaker changes and drops.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "runtime/test_stages.hpp"
#include "sluice/errors.hpp"
#include "sluice/pipeline.hpp"
#include "sluice/resilience.hpp"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::KeepSink;
using testing::Kept;
using testing::kMs;
using testing::PassThrough;
using testing::stage;

/// seq 1..count, each with trace id seq * 7919 (distinct, non-zero).
class IdSource final : public Source {
 public:
  explicit IdSource(std::uint64_t count) : count_(count) {}
  SourceStatus produce(Emitter& out, Context&, std::size_t budget) override {
    for (std::size_t i = 0; i < budget && next_ <= count_; ++i, ++next_) {
      Message m;
      m.seq = next_;
      m.trace_id = next_ * 7919;
      out.emit(std::move(m));
    }
    return next_ > count_ ? SourceStatus::done : SourceStatus::more;
  }

 private:
  std::uint64_t count_;
  std::uint64_t next_{1};
};

/// Fails every attempt (transient) of a message whose seq is a multiple of `every`.
class FailEvery final : public Stage {
 public:
  explicit FailEvery(std::uint64_t every) : every_(every) {}
  void process(Message&& m, Emitter& out, Context&) override {
    if (m.seq % every_ == 0) throw TransientError("down");
    out.emit(std::move(m));
  }

 private:
  std::uint64_t every_;
};

class RunTrace : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::temp_directory_path() /
            ("sluice_run_trace_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
  }
  void TearDown() override { fs::remove(path_); }

  RunOptions options(std::size_t threads, Fusion fusion) const {
    RunOptions o{.threads = threads, .batch = 64, .fusion = fusion};
    o.trace_file = path_.string();
    o.trace_sample = 1;
    o.log = [](LogLevel, std::string_view, std::string_view) {};  // failures are expected
    return o;
  }

  json events() const {
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str())["traceEvents"];
  }

  fs::path path_;
};

/// src -> a -> b -> out, a and b fusable.
Graph chain(Kept& kept, std::uint64_t count) {
  Graph g;
  auto src = g.add_source("src", [count] { return std::make_unique<IdSource>(count); });
  auto a = g.add_stage("a", [] { return std::make_unique<PassThrough>(); }, {.fusable = true});
  auto b = g.add_stage("b", [] { return std::make_unique<PassThrough>(); }, {.fusable = true});
  auto out = g.add_sink("out", [&kept] { return std::make_unique<KeepSink>(kept); });
  g.connect(src, a);
  g.connect(a, b);
  g.connect(b, out);
  return g;
}

struct Span {
  double ts, end;
  std::string stage;
};

/// Checks every flow of `ev`: hops in time order go from a stage to one of
/// its consumers (`next`), from a "s" to an "f", each inside a span of its
/// thread. Returns the number of flows.
std::size_t check_flows(const json& ev, const std::map<std::string, std::set<std::string>>& next,
                        const std::string& first, const std::string& last) {
  std::map<int, std::vector<Span>> spans;  // by tid
  std::map<std::uint64_t, std::vector<const json*>> flows;
  for (const json& e : ev) {
    if (e["ph"] == "X") {
      const double ts = e["ts"].get<double>();
      spans[e["tid"].get<int>()].push_back({ts, ts + e["dur"].get<double>(), e["name"]});
    }
    if (e["ph"] == "s" || e["ph"] == "t" || e["ph"] == "f") flows[e["id"]].push_back(&e);
  }
  for (auto& [id, hops] : flows) {
    std::stable_sort(hops.begin(), hops.end(), [](const json* x, const json* y) {
      return (*x)["ts"].get<double>() < (*y)["ts"].get<double>();
    });
    EXPECT_EQ((*hops.front())["ph"], "s") << id;
    EXPECT_EQ((*hops.front())["args"]["stage"], first) << id;
    EXPECT_EQ((*hops.back())["ph"], "f") << id;
    EXPECT_EQ((*hops.back())["args"]["stage"], last) << id;
    for (std::size_t i = 0; i < hops.size(); ++i) {
      const json& h = *hops[i];
      const double ts = h["ts"].get<double>();
      const auto& on_thread = spans[h["tid"].get<int>()];
      EXPECT_TRUE(std::any_of(on_thread.begin(), on_thread.end(),
                              [ts](const Span& s) { return s.ts <= ts && ts <= s.end; }))
          << "hop outside any turn of its thread: " << h.dump();
      if (i == 0) continue;
      const std::string from = (*hops[i - 1])["args"]["stage"];
      const std::string to = h["args"]["stage"];
      EXPECT_TRUE(next.at(from).count(to) == 1) << id << ": " << from << " -> " << to;
    }
  }
  return flows.size();
}

TEST_F(RunTrace, SpansAddUpToTheStatsAndFlowsFollowTheEdges) {
  for (const Fusion fusion : {Fusion::never, Fusion::always}) {
    SCOPED_TRACE(fusion == Fusion::never ? "unfused" : "fused");
    Kept kept;
    Pipeline p(chain(kept, 3000), options(2, fusion));
    ASSERT_TRUE(p.run().ok());
    const Stats stats = p.stats();
    const json ev = events();
    std::map<std::string, std::uint64_t> taken;
    std::map<std::string, std::uint64_t> emitted;
    for (const json& e : ev) {
      ASSERT_TRUE(e.contains("ts") && e.contains("pid") && e.contains("tid")) << e.dump();
      if (e["ph"] != "X") continue;
      EXPECT_EQ(e["name"], e["args"]["stage"]);
      taken[e["name"]] += e["args"]["taken"].get<std::uint64_t>();
      emitted[e["name"]] += e["args"]["emitted"].get<std::uint64_t>();
    }
    EXPECT_EQ(emitted["src"], stage(stats, "src").out);
    EXPECT_EQ(taken["out"], stage(stats, "out").in);
    if (fusion == Fusion::never) {
      EXPECT_EQ(taken["a"], stage(stats, "a").in);
      EXPECT_EQ(taken["b"], stage(stats, "b").in);
    } else {
      // One instance runs a and b: its spans are a's, taking a's input and emitting b's output.
      EXPECT_EQ(taken["a"], 3000u);
      EXPECT_EQ(emitted["a"], stage(stats, "b").out);
      EXPECT_EQ(taken.count("b"), 0u);
    }
    const std::map<std::string, std::set<std::string>> next = {
        {"src", {"a"}}, {"a", {"b"}}, {"b", {"out"}}, {"out", {}}};
    EXPECT_EQ(check_flows(ev, next, "src", "out"), 3000u) << "--trace-sample 1: every message";
  }
}

TEST_F(RunTrace, RetriesDropsAndTimerWakesAreInstants) {
  Kept out;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<IdSource>(200); });
  auto flaky = g.add_stage("flaky", [] { return std::make_unique<FailEvery>(2); },
                           {.on_error = OnError::drop,
                            .retry = {.max_attempts = 2,
                                      .initial_backoff = kMs,
                                      .max_backoff = kMs,
                                      .multiplier = 1.0,
                                      .jitter = Jitter::none}});
  g.connect(src, flaky);
  g.connect(flaky, g.add_sink("out", [&out] { return std::make_unique<KeepSink>(out); }));
  Pipeline p(std::move(g), options(2, Fusion::never));
  ASSERT_TRUE(p.run().ok());
  const auto st = stage(p.stats(), "flaky");
  ASSERT_GT(st.retries, 0u);
  ASSERT_GT(st.dropped, 0u);
  std::uint64_t retries = 0;
  std::uint64_t dropped = 0;
  std::uint64_t wakes = 0;
  for (const json& e : events()) {
    if (e["name"] == "retry") {
      ++retries;
      EXPECT_EQ(e["args"]["stage"], "flaky");
      EXPECT_EQ(e["args"]["trace_id"].get<std::uint64_t>() % 7919, 0u) << "the message's id";
    }
    if (e["name"] == "drop") dropped += e["args"]["count"].get<std::uint64_t>();
    if (e["name"] == "timer wake") ++wakes;
  }
  EXPECT_EQ(retries, st.retries);
  EXPECT_EQ(dropped, st.dropped);
  EXPECT_GT(wakes, 0u) << "retries wait on the instance's timer";
}

TEST_F(RunTrace, AnOpeningBreakerIsAnInstant) {
  Kept out;
  Kept rejected;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<IdSource>(50); });
  auto flaky = g.add_stage(
      "flaky", [] { return std::make_unique<FailEvery>(1); },
      {.on_error = OnError::drop,
       .circuit_breaker = std::make_shared<CircuitBreaker>(
           "svc", CircuitBreaker::Config{.window = 4, .min_calls = 4, .open_for = 10'000 * kMs})},
      {"out", "rejected"});
  g.connect(src, flaky);
  g.connect(flaky, "out", g.add_sink("out", [&out] { return std::make_unique<KeepSink>(out); }));
  g.connect(flaky, "rejected",
            g.add_sink("rejected", [&rejected] { return std::make_unique<KeepSink>(rejected); }));
  Pipeline p(std::move(g), options(1, Fusion::never));
  ASSERT_TRUE(p.run().ok());
  std::vector<json> changes;
  for (const json& e : events()) {
    if (e.value("cat", "") == "breaker") changes.push_back(e);
  }
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0]["name"], "breaker closed -> open");
  EXPECT_EQ(changes[0]["args"]["stage"], "flaky");
  EXPECT_EQ(rejected.size(), 46u);
}

TEST_F(RunTrace, EdgeDepthsAreCountersAndOverflowDropsInstants) {
  Kept kept;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<IdSource>(5000); });
  auto out = g.add_sink("out", [&kept] { return std::make_unique<KeepSink>(kept); });
  g.connect(src, out, {.capacity = 4, .overflow = Overflow::drop_newest});
  Pipeline p(std::move(g), options(1, Fusion::never));
  ASSERT_TRUE(p.run().ok());
  const Stats stats = p.stats();
  std::uint64_t dropped = 0;
  std::size_t depths = 0;
  for (const json& e : events()) {
    if (e["name"] == "drop") {
      EXPECT_EQ(e["args"]["edge"], "src -> out");
      dropped += e["args"]["count"].get<std::uint64_t>();
    }
    if (e["ph"] == "C") {
      EXPECT_EQ(e["name"], "depth src -> out");
      EXPECT_LE(e["args"]["depth"].get<std::uint64_t>(), 4u);
      ++depths;
    }
  }
  EXPECT_EQ(dropped, stats.edges.at(0).dropped);
  EXPECT_GE(depths, 1u) << "sampled at the start at least";
}

}  // namespace
}  // namespace sluice
