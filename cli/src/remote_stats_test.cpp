// /control/stats: what `sluice run --control` serves reads back into the same
// stats (so that `sluice top` draws the table the run would), and a body that
// is no such document is refused.
#include "remote_stats.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace sluice::cli {
namespace {

TEST(RemoteStats, ReadsBackWhatItWrote) {
  Stats s;
  s.pipeline = "demo";
  s.status = "running";
  s.elapsed_s = 2.5;
  StageStats a;
  a.name = "zeta";  // stages keep their order, not sorted by name
  a.out = 10;
  StageStats b;
  b.name = "alpha";
  b.in = 10;
  b.out = 8;
  b.filtered = 1;
  b.dead_letter = 1;
  b.errors = 3;
  b.retries = 2;
  b.busy_s = 0.5;
  b.blocked_s = 0.25;
  b.counters = {{"fetched", 7}};
  b.breaker = "svc";
  b.breaker_state = "open";
  b.fused_into = "zeta";
  s.stages = {a, b};
  EdgeStats e;
  e.from = "zeta";
  e.to = "alpha";
  e.capacity = 64;
  e.depth = 3;
  e.max_depth = 9;
  e.offered = 10;
  e.taken = 7;
  e.blocked_s = 1.5;
  e.fused = true;
  s.edges = {e};
  const RemoteStats r = parse_control_stats(control_stats_json(s, {{"alpha", 4}}));
  EXPECT_EQ(to_json(r.stats), to_json(s));
  EXPECT_EQ(r.instances.at("alpha"), 4u);
  EXPECT_EQ(r.instances.count("zeta"), 0u);
  ASSERT_EQ(r.stats.stages.size(), 2u);
  EXPECT_EQ(r.stats.stages[0].name, "zeta");
}

TEST(RemoteStats, ABodyThatIsNoStatsDocumentIsRefused) {
  for (const char* body : {"", "not json", "[]", "{}", R"({"stats": 3})",
                           R"({"stats": {"stages": {"a": {"in": "many"}}}})"}) {
    EXPECT_THROW((void)parse_control_stats(body), std::invalid_argument) << body;
  }
}

}  // namespace
}  // namespace sluice::cli
