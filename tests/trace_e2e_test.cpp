// `sluice run --trace FILE` through the real binary (issue 18): the sample
// behind retry and a circuit breaker makes a file that Perfetto and
// chrome://tracing read — one JSON document whose events carry name, ph, ts,
// pid and tid (and dur on spans), a span for every stage, retry and breaker
// instants, named thread tracks, and flows whose hops follow the graph's
// edges. A path that cannot be written, or a sample share out of 0..1, is a
// usage error before the run.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "e2e_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support

class TraceE2E : public E2E {};

/// The consumers of each stage of pipelines/flaky_service.toml (its `inputs`).
const std::map<std::string, std::set<std::string>> kFlakyServiceEdges = {
    {"requests", {"svc"}}, {"svc", {"served", "failed"}}, {"served", {}}, {"failed", {}}};

TEST_F(TraceE2E, FlakyServiceTraceOpensAsChromeTraceEvents) {
  Sluice p(with_example_plugins({"run", (kPipelines / "flaky_service.toml").string(), "--trace",
                                 "trace.json", "--trace-sample", "1", "--progress", "never"}),
           dir_);
  ASSERT_EQ(p.wait(), 0) << p.err();
  const json doc = json::parse(read(dir_ / "trace.json"));  // one valid document
  ASSERT_TRUE(doc["traceEvents"].is_array());
  const json& ev = doc["traceEvents"];

  std::set<std::string> spans;  // stages with a span
  std::size_t retries = 0;
  std::size_t breaker = 0;
  std::set<std::string> tracks;
  std::map<std::uint64_t, std::vector<json>> flows;
  for (const json& e : ev) {
    for (const char* field : {"name", "ph", "ts", "pid", "tid"}) {
      ASSERT_TRUE(e.contains(field)) << field << " missing in " << e.dump();
    }
    ASSERT_TRUE(e["ts"].is_number()) << e.dump();
    const std::string ph = e["ph"];
    if (ph == "X") {
      ASSERT_TRUE(e.contains("dur") && e["dur"].is_number()) << e.dump();
      for (const char* arg : {"stage", "instance", "taken", "emitted"}) {
        ASSERT_TRUE(e["args"].contains(arg)) << arg << " missing in " << e.dump();
      }
      spans.insert(e["args"]["stage"].get<std::string>());
    }
    if (e["name"] == "retry") ++retries;
    if (e.value("cat", "") == "breaker") ++breaker;
    if (e["name"] == "thread_name") {
      const std::string name = e["args"]["name"];
      tracks.insert(name.substr(0, name.find(' ')));
    }
    if (ph == "s" || ph == "t" || ph == "f") flows[e["id"].get<std::uint64_t>()].push_back(e);
  }
  EXPECT_EQ(spans, (std::set<std::string>{"requests", "svc", "served", "failed"}));
  EXPECT_GT(retries, 0u) << "failure_rate 0.1 over 200 requests";
  EXPECT_GT(breaker, 0u) << "the service goes down: the breaker opens";
  EXPECT_TRUE(tracks.count("worker") == 1 && tracks.count("io") == 1 && tracks.count("timer") == 1)
      << "arena workers, I/O threads (the blocking service and files) and the timer";

  EXPECT_EQ(flows.size(), 200u) << "--trace-sample 1: one flow per request";
  for (auto& [id, hops] : flows) {
    std::stable_sort(hops.begin(), hops.end(), [](const json& a, const json& b) {
      return a["ts"].get<double>() < b["ts"].get<double>();
    });
    ASSERT_GE(hops.size(), 3u) << id;
    EXPECT_EQ(hops.front()["ph"], "s") << id;
    EXPECT_EQ(hops.front()["args"]["stage"], "requests") << id;
    EXPECT_EQ(hops.back()["ph"], "f") << id;
    for (std::size_t i = 1; i < hops.size(); ++i) {
      const std::string from = hops[i - 1]["args"]["stage"];
      const std::string to = hops[i]["args"]["stage"];
      EXPECT_EQ(kFlakyServiceEdges.at(from).count(to), 1u)
          << "flow " << id << " hops " << from << " -> " << to << ", not along an edge";
    }
  }
}

TEST_F(TraceE2E, AnUnwritablePathIsAUsageErrorBeforeTheRun) {
  write("p.toml",
        "[stages.src]\ntype = \"generate\"\ncount = 3\n"
        "[stages.out]\ntype = \"file\"\ninputs = [\"src\"]\npath = \"out.txt\"\n");
  Sluice bad({"run", "p.toml", "--trace", "no/such/folder/t.json", "--progress", "never"}, dir_);
  EXPECT_EQ(bad.wait(), 2);
  EXPECT_NE(bad.err().find("cannot write the trace to 'no/such/folder/t.json'"), std::string::npos)
      << bad.err();
  EXPECT_FALSE(fs::exists(dir_ / "out.txt")) << "found before the run";
  for (const char* share : {"1.5", "-0.1", "x"}) {
    Sluice p({"run", "p.toml", "--trace", "t.json", "--trace-sample", share}, dir_);
    EXPECT_EQ(p.wait(), 2) << share;
    EXPECT_NE(p.err().find("must be a number from 0 to 1"), std::string::npos) << p.err();
  }
  Sluice alone({"run", "p.toml", "--trace-sample", "0.5"}, dir_);  // would trace nothing
  EXPECT_EQ(alone.wait(), 2);
  EXPECT_NE(alone.err().find("--trace-sample requires --trace"), std::string::npos) << alone.err();
  EXPECT_FALSE(fs::exists(dir_ / "out.txt"));
}

}  // namespace
