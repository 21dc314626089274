// End-to-end runs of the flow-node samples (rate limits, semaphores, merge,
// topics) and of route order, through the `sluice` binary, with exact
// expectations on their --stats-json.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "e2e_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support

class FlowE2E : public E2E {
 protected:
  /// Runs a sample in the scratch folder and returns its stats.
  json run_sample(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run",          (kPipelines / (name + ".toml")).string(),
                                     "--stats-json", "stats.json",
                                     "--progress",   "never"};
    args.insert(args.end(), extra.begin(), extra.end());
    Sluice p(args, dir_);
    EXPECT_EQ(p.wait(std::chrono::seconds(30)), 0) << p.err();
    EXPECT_EQ(p.err(), "") << name;
    return stats();
  }
};

std::uint64_t u(const json& j, const char* key) { return j.value(key, std::uint64_t{0}); }

/// The README's relation between counters, for a stage that emits one message per message taken.
void expect_one_to_one(const json& s, const std::string& stage) {
  const auto& st = s["stages"][stage];
  EXPECT_EQ(u(st, "in"), u(st, "out") + u(st, "filtered") + u(st, "dropped") +
                             u(st, "dead_letter") + u(st, "rejected"))
      << stage << ": " << st;
}

/// The file holds "event-1", "event-2", ... "event-N", in that order.
void expect_every_event_in_order(const fs::path& file, std::size_t n) {
  const auto written = lines(read(file));
  ASSERT_EQ(written.size(), n) << file;
  for (std::size_t i = 0; i < written.size(); ++i) {
    ASSERT_EQ(written[i], "event-" + std::to_string(i + 1)) << file;
  }
}

const json& edge(const json& s, const std::string& from, const std::string& to) {
  for (const auto& e : s["edges"]) {
    if (e["from"] == from && e["to"] == to) return e;
  }
  static const json none;
  ADD_FAILURE() << "no edge " << from << " -> " << to;
  return none;
}

TEST_F(FlowE2E, RouteTriesRoutesInFileOrder) {
  // Alphabetically `alpha` (which matches everything) would come first.
  const auto file = write("route_order.toml", R"([stages.src]
type = "generate"
count = 10
[stages.r]
type = "route"
inputs = ["src"]
routes = { zeta = "seq > 5", alpha = "true" }
[stages.z]
type = "file"
inputs = ["r.zeta"]
path = "zeta.txt"
[stages.a]
type = "file"
inputs = ["r.alpha"]
path = "alpha.txt"
[stages.u]
type = "discard"
inputs = ["r.unmatched"]
)");
  Sluice p({"run", file.string()}, dir_);
  ASSERT_EQ(p.wait(), 0) << p.err();
  EXPECT_EQ(read(dir_ / "zeta.txt"), "6\n7\n8\n9\n10\n");
  EXPECT_EQ(read(dir_ / "alpha.txt"), "1\n2\n3\n4\n5\n");
}

TEST_F(FlowE2E, RateLimitedStageHoldsItsRate) {
  auto s = run_sample("rate_limited");
  const auto& call = s["stages"]["call"];
  EXPECT_EQ(u(call, "in"), 50u);
  EXPECT_EQ(u(call, "out"), 50u);
  EXPECT_EQ(u(call, "dropped"), 0u);
  expect_one_to_one(s, "call");
  // Burst 10 at once, then 40 tokens at 200/s: at least 0.2 s (a lower bound
  // only; a slow machine takes longer, never shorter).
  EXPECT_GE(s["elapsed_s"].get<double>(), 0.19);
  EXPECT_EQ(lines(read(dir_ / "rate_limited.out.txt")).size(), 50u);
}

TEST_F(FlowE2E, RateLimitInDropModeDropsAndCounts) {
  // rate 0: only the 10 tokens the bucket starts with, whatever the timing.
  auto s = run_sample("rate_limited",
                      {"--set", "limiters.api.mode=drop", "--set", "limiters.api.rate=0"});
  const auto& call = s["stages"]["call"];
  EXPECT_EQ(u(call, "in"), 50u);
  EXPECT_EQ(u(call, "out"), 10u);
  EXPECT_EQ(u(call, "dropped"), 40u);
  expect_one_to_one(s, "call");
  std::string first10;  // the bucket's initial tokens go to the first messages
  for (int i = 1; i <= 10; ++i) first10 += "response-" + std::to_string(i) + "\n";
  EXPECT_EQ(read(dir_ / "rate_limited.out.txt"), first10);
}

TEST_F(FlowE2E, SharedSemaphoreLosesNothing) {
  auto s = run_sample("semaphore_shared");
  for (const char* stage : {"lookup", "store"}) {
    EXPECT_EQ(u(s["stages"][stage], "in"), 400u) << stage;
    EXPECT_EQ(u(s["stages"][stage], "out"), 400u) << stage;
    expect_one_to_one(s, stage);
  }
  EXPECT_EQ(u(s["stages"]["out"], "in"), 400u);
}

TEST_F(FlowE2E, MergeDeliversEveryMessageOfEveryInput) {
  auto s = run_sample("merge_fair");
  const auto& both = s["stages"]["both"];
  EXPECT_EQ(u(both, "in"), 1020u);
  EXPECT_EQ(u(both, "out"), 1020u);
  expect_one_to_one(s, "both");
  const auto out = lines(read(dir_ / "merge_fair.out.txt"));
  ASSERT_EQ(out.size(), 1020u);
  const std::set<std::string> seen(out.begin(), out.end());
  EXPECT_EQ(seen.size(), 1020u);
  for (int i = 1; i <= 1000; ++i) EXPECT_TRUE(seen.count("bulk-" + std::to_string(i))) << i;
  for (int i = 1; i <= 20; ++i) EXPECT_TRUE(seen.count("alert-" + std::to_string(i))) << i;
  // Each input's messages keep their order.
  std::vector<std::string> alerts;
  std::copy_if(out.begin(), out.end(), std::back_inserter(alerts),
               [](const std::string& l) { return l.rfind("alert-", 0) == 0; });
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    EXPECT_EQ(alerts[i], "alert-" + std::to_string(i + 1));
  }
}

TEST_F(FlowE2E, SlowSubscriberDropsWithoutHoldingBackTheFastOne) {
  auto s = run_sample("pubsub_bus");
  const auto& st = s["stages"];
  EXPECT_EQ(u(st["publish"], "in"), 2000u);
  EXPECT_EQ(u(st["publish"], "out"), 2000u);
  // The fast subscriber gets every message, in order.
  EXPECT_EQ(u(st["archive"], "in"), 2000u);
  EXPECT_EQ(u(st["archive_out"], "in"), 2000u);
  expect_every_event_in_order(dir_ / "pubsub_bus.archive.txt", 2000);
  // The slow one's buffer dropped, and never held the publisher back.
  const auto& slow = edge(s, "publish", "notify");
  EXPECT_EQ(u(slow, "capacity"), 8u);
  EXPECT_GT(u(slow, "dropped"), 0u);
  EXPECT_EQ(slow.value("blocked_s", -1.0), 0.0);
  EXPECT_EQ(u(st["notify"], "in") + u(slow, "dropped"), 2000u);
  for (const char* stage : {"publish", "archive", "notify", "slow_service"}) {
    expect_one_to_one(s, stage);
  }
}

// A broadcast where one branch is slow: its dropping edge never holds back
// the source or the other branch, which gets everything, in order.
TEST_F(FlowE2E, ASlowBroadcastBranchOnADroppingEdgeHoldsNobodyBack) {
  auto s = run_sample("broadcast_isolated");
  const auto& st = s["stages"];
  expect_every_event_in_order(dir_ / "broadcast_isolated.archive.txt", 5000);
  const auto& hook = edge(s, "events", "alert_hook");
  EXPECT_EQ(u(hook, "capacity"), 32u);
  EXPECT_GT(u(hook, "dropped"), 0u) << "the hook is slower than the source";
  EXPECT_EQ(hook.value("blocked_s", -1.0), 0.0);
  EXPECT_EQ(u(st["alert_hook"], "in") + u(hook, "dropped"), 5000u);
  EXPECT_EQ(u(st["alerts"], "in"), u(st["alert_hook"], "out"));
  EXPECT_EQ(u(edge(s, "events", "archive"), "dropped"), 0u);
  for (const char* stage : {"archive", "alert_hook", "alerts"}) expect_one_to_one(s, stage);
}

TEST_F(FlowE2E, GraphShowsTopicEdges) {
  Sluice dot({"graph", (kPipelines / "pubsub_bus.toml").string()}, dir_);
  ASSERT_EQ(dot.wait(), 0) << dot.err();
  EXPECT_NE(dot.out().find(
                "\"publish\" -> \"notify\" [label=\"topic events, capacity 8, drop_oldest\"];"),
            std::string::npos)
      << dot.out();
  EXPECT_NE(dot.out().find("\"publish\" -> \"archive\" [label=\"topic events, capacity 256\"];"),
            std::string::npos)
      << dot.out();
}

TEST_F(FlowE2E, GraphNamesEveryPortOfAMultiPortStageAndShapesSourcesAndSinks) {
  const auto file = write("ports.toml", R"([stages.src]
type = "generate"
count = 1
[stages.r]
type = "route"
inputs = ["src"]
routes = { big = "seq > 10" }
[stages.big]
type = "discard"
inputs = ["r.big"]
[stages.rest]
type = "discard"
inputs = ["r.unmatched"]
)");
  Sluice dot({"graph", file.string()}, dir_);
  ASSERT_EQ(dot.wait(), 0) << dot.err();
  EXPECT_NE(dot.out().find("\"r\" -> \"big\" [label=\"big\"];"), std::string::npos) << dot.out();
  EXPECT_NE(dot.out().find("\"r\" -> \"rest\" [label=\"unmatched\"];"), std::string::npos)
      << dot.out();
  EXPECT_NE(dot.out().find("\"src\" [label=\"src\\ngenerate\", shape=cds];"), std::string::npos)
      << dot.out();
  EXPECT_NE(dot.out().find("\"big\" [label=\"big\\ndiscard\", shape=cylinder];"), std::string::npos)
      << dot.out();
  Sluice mermaid({"graph", file.string(), "--format", "mermaid"}, dir_);
  ASSERT_EQ(mermaid.wait(), 0) << mermaid.err();
  EXPECT_NE(mermaid.out().find("n1 -->|\"big\"| n2"), std::string::npos) << mermaid.out();
  EXPECT_NE(mermaid.out().find("n2[(\"big<br/>discard\")]"), std::string::npos) << mermaid.out();
}

TEST_F(FlowE2E, ListShowsTheFlowNodes) {
  Sluice all({"list"}, dir_);
  ASSERT_EQ(all.wait(), 0);
  for (const char* t : {"merge", "rate_limit", "publish", "subscribe"}) {
    EXPECT_NE(all.out().find(std::string("\n") + t + " "), std::string::npos) << t;
  }
  Sluice one({"list", "rate_limit"}, dir_);
  ASSERT_EQ(one.wait(), 0);
  for (const char* key : {"limiter", "rate", "per", "burst", "mode", "max_wait"}) {
    EXPECT_NE(one.out().find(std::string("\n  ") + key + " "), std::string::npos) << key;
  }
}

}  // namespace
