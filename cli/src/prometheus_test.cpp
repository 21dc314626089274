// The /metrics text: every family has one HELP and one TYPE line before its
// samples, label values are escaped, and each stage's and edge's counters
// appear with the stats' numbers.
#include "prometheus.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace sluice::cli {
namespace {

Stats sample_stats() {
  Stats s;
  s.pipeline = "demo";
  s.status = "running";
  s.elapsed_s = 1.5;
  StageStats src;
  src.name = "src";
  src.out = 100;
  StageStats call;
  call.name = "call \"x\"\\y\nz";  // a name a label must escape
  call.in = 100;
  call.out = 90;
  call.dead_letter = 7;
  call.rejected = 3;
  call.errors = 12;
  call.retries = 5;
  call.busy_s = 0.25;
  call.blocked_s = 2;
  call.counters = {{"fetched", 42}};
  call.breaker = "svc";
  call.breaker_state = "half_open";
  s.stages = {src, call};
  EdgeStats e;
  e.from = "src";
  e.to = "call";
  e.capacity = 1024;
  e.depth = 17;
  e.max_depth = 512;
  e.offered = 100;
  e.taken = 83;
  e.dropped = 4;
  e.blocked_s = 0.5;
  s.edges = {e};
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(Prometheus, EscapesBackslashQuoteAndNewlineInLabelValues) {
  EXPECT_EQ(escape_label_value("plain"), "plain");
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(escape_label_value("ünï {x}"), "ünï {x}");
}

TEST(Prometheus, EveryFamilyHasHelpAndTypeBeforeItsSamplesAndEveryLineParses) {
  const std::string text = prometheus_text(sample_stats(), ProcessStats{});
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  // A sample: a metric name, optional {label="value",...} and a number.
  const std::regex sample_re(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf))");
  std::set<std::string> helped, typed, sampled;
  std::string current;
  for (const std::string& l : lines_of(text)) {
    std::smatch m;
    if (l.rfind("# HELP ", 0) == 0) {
      current = l.substr(7, l.find(' ', 7) - 7);
      EXPECT_TRUE(helped.insert(current).second) << "two HELP lines for " << current;
      EXPECT_EQ(sampled.count(current), 0u) << "HELP after samples of " << current;
    } else if (l.rfind("# TYPE ", 0) == 0) {
      const std::string name = l.substr(7, l.find(' ', 7) - 7);
      EXPECT_EQ(name, current) << "TYPE right after HELP";
      const std::string type = l.substr(l.rfind(' ') + 1);
      EXPECT_TRUE(type == "counter" || type == "gauge") << l;
      EXPECT_TRUE(name.size() < 6 || type != "counter" || name.ends_with("_total")) << l;
      EXPECT_TRUE(typed.insert(name).second) << l;
    } else {
      ASSERT_TRUE(std::regex_match(l, m, sample_re)) << "not a sample: " << l;
      EXPECT_EQ(m[1].str(), current) << "a sample of another family: " << l;
      sampled.insert(m[1].str());
    }
  }
  EXPECT_EQ(helped, typed);
  for (const char* family :
       {"sluice_stage_messages_total", "sluice_stage_errors_total", "sluice_stage_retries_total",
        "sluice_stage_busy_seconds_total", "sluice_stage_blocked_seconds_total",
        "sluice_breaker_state", "sluice_edge_depth", "sluice_edge_capacity",
        "sluice_edge_messages_total", "sluice_edge_blocked_seconds_total",
        "process_cpu_seconds_total", "process_resident_memory_bytes"}) {
    EXPECT_EQ(sampled.count(family), 1u) << family;
  }
}

TEST(Prometheus, SamplesCarryTheStatsNumbers) {
  const std::string text =
      prometheus_text(sample_stats(), ProcessStats{.cpu_seconds = 1.25, .resident_bytes = 4096});
  const std::string call = R"(stage="call \"x\"\\y\nz")";
  for (const std::string& want : std::vector<std::string>{
           std::string(R"(sluice_stage_messages_total{stage="src",kind="out"} 100)"),
           R"(sluice_stage_messages_total{stage="src",kind="in"} 0)",
           "sluice_stage_messages_total{" + call + R"(,kind="in"} 100)",
           "sluice_stage_messages_total{" + call + R"(,kind="dead_letter"} 7)",
           "sluice_stage_messages_total{" + call + R"(,kind="rejected"} 3)",
           "sluice_stage_errors_total{" + call + "} 12",
           "sluice_stage_retries_total{" + call + "} 5",
           "sluice_stage_busy_seconds_total{" + call + "} 0.25",
           "sluice_stage_blocked_seconds_total{" + call + "} 2",
           "sluice_stage_counter_total{" + call + R"(,counter="fetched"} 42)",
           "sluice_breaker_state{" + call + R"(,breaker="svc",state="half_open"} 1)",
           "sluice_breaker_state{" + call + R"(,breaker="svc",state="open"} 0)",
           R"(sluice_edge_depth{from="src",to="call"} 17)",
           R"(sluice_edge_capacity{from="src",to="call"} 1024)",
           R"(sluice_edge_messages_total{from="src",to="call",kind="dropped"} 4)",
           R"(sluice_edge_blocked_seconds_total{from="src",to="call"} 0.5)",
           R"(sluice_pipeline_running{pipeline="demo"} 1)",
           "process_cpu_seconds_total 1.25",
           "process_resident_memory_bytes 4096",
       }) {
    EXPECT_NE(text.find("\n" + want + "\n"), std::string::npos) << want << "\n" << text;
  }
  EXPECT_EQ(text.find("sluice_breaker_state{stage=\"src\""), std::string::npos)
      << "no breaker, no breaker samples";
}

TEST(ProcessStats, ReadsTheFieldsOfAProcStatLine) {
  // A command name with blanks and parentheses, as proc(5) allows.
  const std::string line =
      "1994 (a (b) c) R 1990 1990 25998 0 -1 4194304 97 0 0 0 150 50 0 0 20 0 7 0 1000 "
      "3133440 360 18446744073709551615 94774099050496 0 0\n";
  const auto p = parse_proc_stat(line, 100, 4096, 1'700'000'000);
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(p->cpu_seconds, 2.0);
  EXPECT_EQ(p->threads, 7u);
  EXPECT_DOUBLE_EQ(p->start_time_seconds, 1'700'000'010.0);
  EXPECT_EQ(p->virtual_bytes, 3133440u);
  EXPECT_EQ(p->resident_bytes, 360u * 4096);
  EXPECT_FALSE(parse_proc_stat("1 (x) R 1 2 3", 100, 4096, 0));
}

TEST(ProcessStats, ThisProcessHasCpuTimeMemoryAndThreads) {
  const auto p = read_process_stats();
  ASSERT_TRUE(p);
  EXPECT_GT(p->resident_bytes, 0u);
  EXPECT_GE(p->threads, 1u);
  EXPECT_GT(p->start_time_seconds, 1e9);
}

}  // namespace
}  // namespace sluice::cli
