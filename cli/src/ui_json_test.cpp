// /ui.json of `sluice run --ui`: rates over the interval between two
// snapshots, shares of busy / blocked time and of queue fill, breaker states
// and drops, each with the id of the SVG element that shows it.
#include "ui_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sluice::cli {
namespace {

using nlohmann::json;

StageStats stage(const std::string& name, std::uint64_t in, std::uint64_t out, double busy_s) {
  StageStats s;
  s.name = name;
  s.in = in;
  s.out = out;
  s.busy_s = busy_s;
  return s;
}

EdgeStats edge(const std::string& from, const std::string& to, std::uint64_t taken,
               std::uint64_t depth) {
  EdgeStats e;
  e.from = from;
  e.to = to;
  e.taken = taken;
  e.offered = taken + depth;
  e.depth = depth;
  e.capacity = 1024;
  return e;
}

UiLayout layout() {
  UiLayout l;
  l.stages = {{"src", "stage_0"}, {"work", "stage_1"}, {"sink", "stage_2"}};
  l.edges = {{"src", "work", "edge_0"}, {"work.out", "sink", "edge_1"}};
  return l;
}

Stats snapshot(double elapsed, std::uint64_t n, double busy_s) {
  Stats s;
  s.pipeline = "demo";
  s.status = "running";
  s.elapsed_s = elapsed;
  s.stages = {stage("src", 0, n, 0), stage("work", n, n, busy_s), stage("sink", n, 0, 0)};
  s.edges = {edge("src", "work", n, 256), edge("work.out", "sink", n, 0)};
  return s;
}

TEST(UiJson, RatesSharesAndIdsOverTheInterval) {
  Stats before = snapshot(1.0, 100, 0.5);
  Stats now = snapshot(3.0, 500, 1.5);
  now.stages[1].blocked_s = 0.4;
  now.stages[1].breaker = "svc";
  now.stages[1].breaker_state = "half_open";
  now.stages[1].dropped = 2;
  now.edges[0].dropped = 3;
  const json j = json::parse(ui_json(before, now, layout(), {{"work", 2}}));
  EXPECT_EQ(j["pipeline"], "demo");
  EXPECT_EQ(j["status"], "running");
  EXPECT_DOUBLE_EQ(j["elapsed_s"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(j["interval_s"].get<double>(), 2.0);

  ASSERT_EQ(j["stages"].size(), 3u);
  const json& src = j["stages"][0];
  EXPECT_EQ(src["name"], "src");
  EXPECT_EQ(src["id"], "stage_0");
  EXPECT_DOUBLE_EQ(src["out_rate"].get<double>(), 200.0);  // 400 messages in 2 s
  EXPECT_DOUBLE_EQ(src["in_rate"].get<double>(), 0.0);
  EXPECT_TRUE(src["queue"].is_null()) << "a source has no input queue";
  EXPECT_TRUE(src["breaker"].is_null());

  const json& work = j["stages"][1];
  EXPECT_EQ(work["id"], "stage_1");
  EXPECT_EQ(work["in"], 500);
  EXPECT_DOUBLE_EQ(work["in_rate"].get<double>(), 200.0);
  EXPECT_DOUBLE_EQ(work["busy"].get<double>(), 0.25);    // 1 s of 2 instances x 2 s
  EXPECT_DOUBLE_EQ(work["blocked"].get<double>(), 0.1);  // 0.4 s of 4
  EXPECT_DOUBLE_EQ(work["queue"].get<double>(), 0.25);   // 256 of 1024
  EXPECT_EQ(work["dropped"], 5) << "its own drops and its inputs' overflow";
  EXPECT_EQ(work["breaker"], "half_open");
  EXPECT_EQ(work["fused"], false);

  ASSERT_EQ(j["edges"].size(), 2u);
  const json& e0 = j["edges"][0];
  EXPECT_EQ(e0["from"], "src");
  EXPECT_EQ(e0["to"], "work");
  EXPECT_EQ(e0["id"], "edge_0");
  EXPECT_DOUBLE_EQ(e0["rate"].get<double>(), 200.0);
  EXPECT_EQ(e0["depth"], 256);
  EXPECT_EQ(e0["capacity"], 1024);
  EXPECT_DOUBLE_EQ(e0["fill"].get<double>(), 0.25);
  EXPECT_EQ(e0["dropped"], 3);
  EXPECT_EQ(j["edges"][1]["id"], "edge_1") << "matched by its port's name";
}

TEST(UiJson, AFusedStageHasNoQueueAndNoBusyTimeOfItsOwn) {
  Stats now = snapshot(2.0, 100, 0);
  now.stages[1].fused_into = "src";
  now.edges[0].fused = true;
  now.edges[0].depth = 0;
  const json j = json::parse(ui_json({}, now, layout(), {}));
  EXPECT_TRUE(j["stages"][1]["fused"].get<bool>());
  EXPECT_TRUE(j["stages"][1]["busy"].is_null());
  EXPECT_TRUE(j["stages"][1]["queue"].is_null());
  EXPECT_TRUE(j["edges"][0]["fused"].get<bool>());
  EXPECT_TRUE(j["edges"][0]["fill"].is_null());
  EXPECT_DOUBLE_EQ(j["edges"][0]["rate"].get<double>(), 50.0) << "from the start of the run";
}

TEST(UiJson, EdgesWithTheSameEndsMatchInOrderAndUnknownOnesHaveNoId) {
  UiLayout l;
  l.stages = {{"a", "stage_0"}};
  l.edges = {{"a", "b", "edge_0"}, {"a", "b", "edge_1"}};
  Stats before;
  before.elapsed_s = 1;
  before.edges = {edge("a", "b", 10, 0), edge("a", "b", 100, 0)};
  Stats now;
  now.elapsed_s = 2;
  now.stages = {stage("a", 0, 0, 0), stage("ghost", 0, 0, 0)};
  now.edges = {edge("a", "b", 20, 0), edge("a", "b", 300, 0), edge("a", "c", 1, 0)};
  const json j = json::parse(ui_json(before, now, l, {}));
  EXPECT_EQ(j["edges"][0]["id"], "edge_0");
  EXPECT_DOUBLE_EQ(j["edges"][0]["rate"].get<double>(), 10.0);
  EXPECT_EQ(j["edges"][1]["id"], "edge_1");
  EXPECT_DOUBLE_EQ(j["edges"][1]["rate"].get<double>(), 200.0);
  EXPECT_TRUE(j["edges"][2]["id"].is_null());
  EXPECT_TRUE(j["stages"][1]["id"].is_null());
}

TEST(UiJson, NoTimePassedMeansNoRatesNotInfiniteOnes) {
  const Stats s = snapshot(1.0, 100, 0.5);
  const json j = json::parse(ui_json(s, s, layout(), {}));
  EXPECT_DOUBLE_EQ(j["interval_s"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j["edges"][0]["rate"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j["stages"][1]["busy"].get<double>(), 0.0);
}

TEST(UiJson, BytesThatAreNotUtf8DoNotFailTheDocument) {
  Stats now = snapshot(1.0, 1, 0);
  now.pipeline = "bad\xff";
  const json j = json::parse(ui_json({}, now, layout(), {}));
  EXPECT_EQ(j["pipeline"], "bad\xEF\xBF\xBD");  // U+FFFD
}

TEST(UiRates, AveragesOverTheRunFirstThenKeepsASnapshotEveryHalfSecondOrMore) {
  UiRates rates(layout(), {});
  auto rate = [](const std::string& body) {
    return json::parse(body)["edges"][0]["rate"].get<double>();
  };
  EXPECT_DOUBLE_EQ(rate(rates.next(snapshot(2.0, 400, 0))), 200.0);  // kept: 2 s since 0
  // 0.25 s later: still over the interval from the snapshot at 2 s.
  EXPECT_DOUBLE_EQ(rate(rates.next(snapshot(2.25, 450, 0))), 200.0);
  EXPECT_DOUBLE_EQ(rate(rates.next(snapshot(3.0, 1400, 0))), 1000.0);  // kept
  EXPECT_DOUBLE_EQ(rate(rates.next(snapshot(4.0, 1500, 0))), 100.0);
}

}  // namespace
}  // namespace sluice::cli
