#include "progress.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace sluice::cli {
namespace {

StageStats stage(std::string name, std::uint64_t in, std::uint64_t out, double busy_s,
                 double blocked_s) {
  StageStats s;
  s.name = std::move(name);
  s.in = in;
  s.out = out;
  s.busy_s = busy_s;
  s.blocked_s = blocked_s;
  return s;
}

EdgeStats edge(std::string from, std::string to, std::uint64_t capacity, std::uint64_t depth) {
  EdgeStats e;
  e.from = std::move(from);
  e.to = std::move(to);
  e.capacity = capacity;
  e.depth = depth;
  return e;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

/// The cells of the row of `stage` (name first).
std::vector<std::string> row(const std::string& table, const std::string& stage) {
  for (const auto& l : split_lines(table)) {
    auto w = words(l);
    if (!w.empty() && w[0] == stage) return w;
  }
  ADD_FAILURE() << "no row for " << stage << " in\n" << table;
  return {};
}

Stats snapshot(double elapsed) {
  Stats s;
  s.pipeline = "orders";
  s.status = "running";
  s.elapsed_s = elapsed;
  return s;
}

TEST(Progress, TitleAndHeader) {
  Stats now = snapshot(3.25);
  now.stages = {stage("src", 0, 0, 0, 0)};
  const auto lines = split_lines(render_progress({}, now, 1.0, {}));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "orders  running  3.2s");
  EXPECT_EQ(words(lines[1]), (std::vector<std::string>{"stage", "in", "out", "rate/s", "queue",
                                                       "busy", "blocked", "dropped", "errors"}));
}

TEST(Progress, NamesFromTheFileCannotDriveTheTerminal) {
  Stats now = snapshot(1.0);
  now.pipeline = "p\x1b[2J";
  now.stages = {stage("ev\x1b[31mil", 1, 1, 0, 0), stage("two\nlines", 1, 1, 0, 0)};
  const std::string table = render_progress({}, now, 1.0, {});
  EXPECT_EQ(table.find('\x1b'), std::string::npos) << table;
  EXPECT_EQ(split_lines(table).size(), 4u) << table;  // title, header, one line per stage
  EXPECT_EQ(row(table, "ev\\x1b[31mil")[1], "1");
  EXPECT_EQ(row(table, "two\\nlines")[1], "1");
}

TEST(Progress, RatesAndSharesAreOverTheInterval) {
  Stats before = snapshot(1.0);
  before.stages = {stage("src", 0, 100, 0.1, 0.0), stage("work", 90, 80, 0.5, 0.2),
                   stage("sink", 70, 0, 0.1, 0.0)};
  Stats now = snapshot(1.5);
  now.stages = {stage("src", 0, 300, 0.2, 0.25), stage("work", 240, 230, 0.9, 0.3),
                stage("sink", 200, 0, 0.15, 0.0)};
  now.stages[1].errors = 4;
  now.stages[2].dropped = 2;
  now.edges = {edge("src", "work", 100, 25), edge("work.out", "sink", 64, 20),
               edge("src", "sink", 64, 0)};
  now.edges[1].dropped = 5;

  const std::string table = render_progress(before, now, 0.5, {{"work", 2}});
  // A source: its rate is what it emitted (200 in 0.5 s); it has no queue.
  EXPECT_EQ(row(table, "src"),
            (std::vector<std::string>{"src", "0", "300", "400.0", "-", "20%", "50%", "0", "0"}));
  // Two instances: 0.4 s busy over 2 x 0.5 s is 40%; 0.1 s blocked is 10%.
  EXPECT_EQ(row(table, "work"), (std::vector<std::string>{"work", "240", "230", "300.0", "25%",
                                                          "40%", "10%", "0", "4"}));
  // Queue over both input edges: 20 of 128. Dropped: its own 2 plus 5 on an input edge.
  EXPECT_EQ(row(table, "sink"),
            (std::vector<std::string>{"sink", "200", "0", "260.0", "16%", "10%", "0%", "7", "0"}));
}

TEST(Progress, AnEmptyBeforeSummarisesTheWholeRun) {
  Stats now = snapshot(4.0);
  now.status = "ok";
  now.stages = {stage("src", 0, 2000, 1.0, 3.0), stage("out", 2000, 0, 2.0, 0.0)};
  now.edges = {edge("src", "out", 1024, 0)};
  const std::string table = render_progress({}, now, now.elapsed_s, {});
  EXPECT_EQ(split_lines(table)[0], "orders  ok  4.0s");
  EXPECT_EQ(row(table, "src"),
            (std::vector<std::string>{"src", "0", "2000", "500.0", "-", "25%", "75%", "0", "0"}));
  EXPECT_EQ(row(table, "out"),
            (std::vector<std::string>{"out", "2000", "0", "500.0", "0%", "50%", "0%", "0", "0"}));
}

TEST(Progress, SharesAreCappedAtTheInterval) {
  // A long task accounted when it ends can add more busy time than the interval had.
  Stats before = snapshot(1.0);
  before.stages = {stage("slow", 1, 0, 0.0, 0.0)};
  Stats now = snapshot(1.25);
  now.stages = {stage("slow", 2, 1, 2.0, 0.0)};
  now.edges = {edge("src", "slow", 8, 0)};
  EXPECT_EQ(row(render_progress(before, now, 0.25, {}), "slow")[5], "100%");
}

TEST(Progress, ZeroIntervalGivesZeroRates) {
  Stats now = snapshot(0.0);
  now.stages = {stage("src", 0, 10, 0.1, 0.0)};
  const auto r = row(render_progress({}, now, 0.0, {}), "src");
  EXPECT_EQ(r[3], "0.0");
  EXPECT_EQ(r[5], "0%");
}

TEST(Progress, LongNamesWidenTheFirstColumn) {
  Stats now = snapshot(1.0);
  now.stages = {stage("a_rather_long_stage_name", 0, 1, 0, 0), stage("b", 0, 1, 0, 0)};
  const auto lines = split_lines(render_progress({}, now, 1.0, {}));
  ASSERT_EQ(lines.size(), 4u);
  // Columns line up: every row is as long as the header.
  EXPECT_EQ(lines[2].size(), lines[1].size());
  EXPECT_EQ(lines[3].size(), lines[1].size());
  EXPECT_EQ(lines[3].rfind("b ", 0), 0u);
}

TEST(Progress, BreakerColumnOnlyWhenAStageHasOne) {
  Stats now = snapshot(1.0);
  now.stages = {stage("src", 0, 5, 0, 0), stage("call", 5, 5, 0, 0)};
  EXPECT_EQ(split_lines(render_progress({}, now, 1.0, {}))[1].find("breaker"), std::string::npos);
  now.stages[1].breaker = "geo";
  now.stages[1].breaker_state = "open";
  const auto table = render_progress({}, now, 1.0, {});
  EXPECT_NE(split_lines(table)[1].find("breaker"), std::string::npos);
  EXPECT_EQ(row(table, "call").back(), "open");
  EXPECT_EQ(row(table, "src").back(), "-");
}

TEST(Progress, AFusedStageShowsWhereItsTimeIsCounted) {
  Stats now = snapshot(1.0);
  now.stages = {stage("src", 0, 5, 0, 0), stage("parse", 5, 5, 0.5, 0), stage("keep", 5, 4, 0, 0)};
  now.stages[2].fused_into = "parse";
  now.edges = {edge("src", "parse", 100, 7), edge("parse", "keep", 100, 0)};
  now.edges[1].fused = true;
  const auto table = render_progress({}, now, 1.0, {});
  EXPECT_EQ(row(table, "parse")[4], "7%");   // queue
  EXPECT_EQ(row(table, "parse")[5], "50%");  // busy: the whole chain's
  EXPECT_EQ(row(table, "keep")[4], "-");     // no queue of its own
  EXPECT_EQ(row(table, "keep")[5], "fused");
}

TEST(Progress, CompactNumbers) {
  EXPECT_EQ(compact_count(0), "0");
  EXPECT_EQ(compact_count(99999), "99999");
  EXPECT_EQ(compact_count(123456), "123.5k");
  EXPECT_EQ(compact_count(12'345'678), "12.3M");
  EXPECT_EQ(compact_count(999'999'999), "1.0G");
  EXPECT_EQ(compact_count(4'200'000'000'000), "4.2T");
  EXPECT_EQ(compact_rate(0.0), "0.0");
  EXPECT_EQ(compact_rate(-1.0), "0.0");
  EXPECT_EQ(compact_rate(999.9), "999.9");
  EXPECT_EQ(compact_rate(1000.0), "1.0k");
  EXPECT_EQ(compact_rate(2.5e6), "2.5M");
}

}  // namespace
}  // namespace sluice::cli
