// The checker must see a broken identity, or the chaos test asserts nothing.
#include "accounting.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using nlohmann::json;

/// generate -> fan_out (broadcast, 2 ports) -> two discards.
chaos::RandomPipeline pipeline() {
  chaos::RandomPipeline p;
  p.stages = {
      {.name = "src", .type = "generate", .source = true, .ports = {"out"}},
      {.name = "copy", .type = "fan_out", .mode = "broadcast", .outputs = 2, .ports = {"0", "1"}},
      {.name = "a", .type = "discard", .sink = true},
      {.name = "b", .type = "discard", .sink = true}};
  p.edges = {{"src", "out", "copy"}, {"copy", "0", "a"}, {"copy", "1", "b"}};
  return p;
}

json stage(unsigned in, unsigned out, unsigned dropped = 0, unsigned abandoned = 0) {
  return {{"in", in},           {"out", out},      {"filtered", 0},
          {"dropped", dropped}, {"errors", 0},     {"retries", 0},
          {"dead_letter", 0},   {"rejected", 0},   {"abandoned", abandoned},
          {"busy_s", 0.0},      {"blocked_s", 0.0}};
}

json edge(const std::string& from, const std::string& to, unsigned offered, unsigned taken,
          unsigned dropped = 0) {
  return {{"from", from},   {"to", to},           {"capacity", 8},  {"depth", 0},
          {"max_depth", 8}, {"offered", offered}, {"taken", taken}, {"dropped", dropped},
          {"abandoned", 0}, {"blocked_s", 0.0}};
}

json sound() {
  json s = {{"pipeline", "p"}, {"status", "ok"}, {"elapsed_s", 0.1}};
  s["stages"] = {
      {"src", stage(0, 10)}, {"copy", stage(10, 20)}, {"a", stage(10, 10)}, {"b", stage(7, 7)}};
  s["edges"] = json::array(
      {edge("src", "copy", 10, 10), edge("copy.0", "a", 10, 10), edge("copy.1", "b", 10, 7, 3)});
  return s;
}

std::string all(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) out += p + "\n";
  return out;
}

TEST(Accounting, SoundStatsHaveNoProblem) {
  EXPECT_EQ(all(chaos::check_accounting(sound(), pipeline(), {.clean = true})), "");
}

TEST(Accounting, EachBrokenIdentityIsReported) {
  struct Break {
    const char* what;
    void (*apply)(json&);
    const char* expected;
  };
  const std::vector<Break> breaks = {
      {"an edge loses a message", [](json& s) { s["edges"][2]["taken"] = 6; },
       "offered 10 != taken 6"},
      {"a message left in an edge", [](json& s) { s["edges"][0]["depth"] = 1; }, "depth 1"},
      {"a sink loses one", [](json& s) { s["stages"]["b"]["out"] = 6; },
       "b (discard): in 7 != out 6"},
      {"a stage took more than its edges gave", [](json& s) { s["stages"]["a"] = stage(11, 11); },
       "in 11 != 10 taken"},
      {"broadcast makes too few copies", [](json& s) { s["stages"]["copy"]["out"] = 19; },
       "out 19 not within 2 x"},
      {"a counter is missing", [](json& s) { s["stages"]["a"].erase("abandoned"); },
       "a: no counter abandoned"},
      {"an edge is missing", [](json& s) { s["edges"].erase(1); }, "edges differ"},
      {"a stage is missing", [](json& s) { s["stages"].erase("b"); }, "no stage b"},
      {"the run did not end", [](json& s) { s["status"] = "running"; }, "status 'running'"},
      {"a clean run abandons", [](json& s) { s["stages"]["b"] = stage(7, 6, 0, 1); },
       "abandoned 1 in a run that ended by itself"},
  };
  for (const auto& b : breaks) {
    json s = sound();
    b.apply(s);
    const std::string problems = all(chaos::check_accounting(s, pipeline(), {.clean = true}));
    EXPECT_NE(problems.find(b.expected), std::string::npos)
        << b.what << ": expected '" << b.expected << "' in:\n"
        << problems;
  }
}

}  // namespace

TEST(Accounting, AStuckRunMayLeaveMessagesInItsEdgesButNotLoseThem) {
  json s = sound();
  s["status"] = "failed";
  s["edges"][0]["taken"] = 9;  // one message left in the edge, counted in its depth
  s["edges"][0]["depth"] = 1;
  s["stages"]["copy"] = stage(9, 18);
  s["stages"]["a"] = stage(9, 9);
  s["edges"][1] = edge("copy.0", "a", 9, 9);
  s["edges"][2] = edge("copy.1", "b", 9, 7, 2);
  EXPECT_EQ(all(chaos::check_accounting(s, pipeline(), {.stuck = true})), "");
  EXPECT_NE(all(chaos::check_accounting(s, pipeline(), {})).find("depth 1 after the run"),
            std::string::npos);
  s["edges"][0]["depth"] = 0;  // ...but not lost
  EXPECT_NE(
      all(chaos::check_accounting(s, pipeline(), {.stuck = true})).find("offered 10 != taken 9"),
      std::string::npos);
}

TEST(Accounting, WhatATakeStopsUpstreamMayBeAbandonedInACleanRun) {
  chaos::RandomPipeline p;
  p.stages = {{.name = "src", .type = "generate", .source = true, .ports = {"out"}},
              {.name = "m", .type = "map", .ports = {"out"}},
              {.name = "first", .type = "take", .ports = {"out"}},
              {.name = "out", .type = "discard", .sink = true}};
  p.edges = {{"src", "out", "m"}, {"m", "out", "first"}, {"first", "out", "out"}};
  json s = {{"pipeline", "p"}, {"status", "ok"}, {"elapsed_s", 0.1}};
  s["stages"] = {{"src", stage(0, 100)},
                 {"m", stage(60, 50, 0, 10)},
                 {"first", stage(40, 5)},
                 {"out", stage(5, 5)}};
  s["stages"]["first"]["filtered"] = 35;
  s["edges"] = json::array(
      {edge("src", "m", 100, 60), edge("m", "first", 50, 40), edge("first", "out", 5, 5)});
  s["edges"][0]["abandoned"] = 40;
  s["edges"][1]["abandoned"] = 10;
  EXPECT_EQ(all(chaos::check_accounting(s, p, {.clean = true})), "");
  s["stages"]["out"] = stage(5, 4, 0, 1);  // but not after it
  EXPECT_NE(all(chaos::check_accounting(s, p, {.clean = true})).find("out (discard): abandoned 1"),
            std::string::npos);
}
