// Trace ids through the `sluice` binary (issue 18): a file source gives each
// line its own id, JSON output writes it exactly, and the log line of a
// dead-lettered message names the id its dead letter carries.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

#include "e2e_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support

constexpr std::uint64_t kTwoTo53 = std::uint64_t{1} << 53;

class TraceIdE2E : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    std::string text;
    for (int i = 1; i <= 300; ++i) text += "line " + std::to_string(i) + "\n";
    write("in.txt", text);
    write("p.toml", R"([stages.src]
type = "file"
path = "in.txt"
[stages.check]
type = "fail"
inputs = ["src"]
when = "seq == 7"
kind = "permanent"
on_error = "dead_letter"
[stages.good]
type = "file"
inputs = ["check"]
path = "good.jsonl"
format = "json"
[stages.failed]
type = "file"
inputs = ["check.dead_letter"]
path = "failed.jsonl"
format = "json"
)");
  }
};

TEST_F(TraceIdE2E, FileSourceMessagesHaveDistinctNonZeroIdsInJsonOutput) {
  Sluice p({"run", "p.toml", "--progress", "never"}, dir_);
  ASSERT_EQ(p.wait(), 0) << p.err();
  std::set<std::uint64_t> ids;
  const auto good = lines(read(dir_ / "good.jsonl"));
  ASSERT_EQ(good.size(), 299u);
  for (const auto& l : good) {
    const auto j = json::parse(l);
    ASSERT_TRUE(j["trace_id"].is_number_unsigned()) << l;
    const auto id = j["trace_id"].get<std::uint64_t>();
    EXPECT_NE(id, 0u) << l;
    EXPECT_LT(id, kTwoTo53) << "a double (jq) reads it exactly: " << l;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 299u) << "every line its own id";
}

TEST_F(TraceIdE2E, ADeadLetteredMessagesLogLineCarriesItsTraceId) {
  for (const char* format : {"text", "json"}) {
    Sluice p({"run", "p.toml", "--progress", "never", "--log-format", format}, dir_);
    ASSERT_EQ(p.wait(), 0) << p.err();
    const auto failed = lines(read(dir_ / "failed.jsonl"));
    ASSERT_EQ(failed.size(), 1u);
    const auto dead = json::parse(failed[0]);
    EXPECT_EQ(dead["seq"], 7);
    const auto id = dead["trace_id"].get<std::uint64_t>();
    EXPECT_NE(id, 0u);
    const std::string tail = "sent to dead_letter (trace_id " + std::to_string(id) + ")";
    bool found = false;
    for (const auto& l : lines(p.err())) {
      if (l.find("message seq 7 failed") == std::string::npos) continue;
      found = true;
      if (std::string(format) == "json") {
        const auto rec = json::parse(l);  // one JSON object per line
        EXPECT_EQ(rec["stage"], "check");
        EXPECT_NE(rec["message"].get<std::string>().find(tail), std::string::npos) << l;
      } else {
        EXPECT_NE(l.find(tail), std::string::npos) << l;
      }
    }
    EXPECT_TRUE(found) << format << ": " << p.err();
  }
}

}  // namespace
