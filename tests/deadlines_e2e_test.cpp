// Per-message deadlines through the real `sluice`: a source's `deadline`
// (or [pipeline] message_deadline) travels with its messages; a stage that
// takes one late counts it expired and dead-letters it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "e2e_support.hpp"

namespace sluice_e2e {
namespace {

using DeadlinesE2E = PipelineFileE2E;

/// generate -> delay (300 ms) -> map -> out.txt, map's dead letters -> dead.jsonl.
std::string held_back(const std::string& pipeline, const std::string& source_keys) {
  return pipeline + "[stages.src]\ntype = \"generate\"\ncount = 20\n" + source_keys +
         "[stages.hold]\ntype = \"delay\"\ninputs = [\"src\"]\nduration = \"300ms\"\n"
         "[stages.m]\ntype = \"map\"\ninputs = [\"hold\"]\npayload = '\"seen\"'\n"
         "on_error = \"dead_letter\"\n"
         "[stages.out]\ntype = \"file\"\ninputs = [\"m\"]\npath = \"out.txt\"\n"
         "[stages.dead]\ntype = \"file\"\ninputs = [\"m.dead_letter\"]\npath = \"dead.jsonl\"\n"
         "format = \"json\"\n";
}

TEST_F(DeadlinesE2E, MessagesTakenPastTheSourcesDeadlineAreExpiredAndDeadLettered) {
  ASSERT_EQ(run_file(held_back("", "deadline = \"50ms\"\n")), 0) << err_;
  EXPECT_EQ(read(dir_ / "out.txt"), "");
  const auto dead = lines(read(dir_ / "dead.jsonl"));
  ASSERT_EQ(dead.size(), 20u);
  EXPECT_EQ(json::parse(dead[0])["attrs"]["error"], "deadline exceeded");
  const auto s = stats();
  EXPECT_EQ(s["stages"]["hold"]["expired"], 0);  // taken in time
  EXPECT_EQ(s["stages"]["m"]["expired"], 20);
  EXPECT_EQ(s["stages"]["dead"]["out"], 20);  // the dead letter path has no deadline
  EXPECT_NE(err_.find("expired"), std::string::npos) << err_;
}

TEST_F(DeadlinesE2E, APipelineWideDeadlineThatIsMetChangesNothing) {
  ASSERT_EQ(run_file(held_back("[pipeline]\nmessage_deadline = \"10s\"\n", "")), 0) << err_;
  EXPECT_EQ(lines(read(dir_ / "out.txt")).size(), 20u);
  EXPECT_EQ(stats()["stages"]["m"]["expired"], 0);
}

TEST_F(DeadlinesE2E, ADeadlineOnAStageIsAWarning) {
  EXPECT_EQ(run_file("[stages.src]\ntype = \"generate\"\ncount = 1\n"
                     "[stages.x]\ntype = \"discard\"\ninputs = [\"src\"]\ndeadline = \"1s\"\n",
                     "check"),
            0)
      << err_;
  EXPECT_NE(err_.find("'deadline' of 'x' is not enforced"), std::string::npos) << err_;
}

}  // namespace
}  // namespace sluice_e2e
