// Per-message deadlines through the real runtime, on a ManualClock: a
// source's deadline travels with its messages, a stage sees it as
// Context::deadline(), and a stage that takes a message past it does not
// process it (counted expired, dead-lettered under on_error = dead_letter).
#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "runtime/test_stages.hpp"
#include "sluice/pipeline.hpp"

namespace sluice {
namespace {

using testing::attr;
using testing::CountingSource;
using testing::KeepSink;
using testing::Kept;
using testing::kMs;
using testing::PassThrough;
using testing::stage;

/// Takes `takes` of the manual clock per message and records the deadline it was given.
class Slow final : public Stage {
 public:
  Slow(ManualClock& clock, Nanos takes, std::vector<Nanos>& seen, std::mutex& mu)
      : clock_(clock), takes_(takes), seen_(seen), mu_(mu) {}
  void process(Message&& m, Emitter& out, Context& ctx) override {
    {
      std::lock_guard lock(mu_);
      seen_.push_back(ctx.deadline());
    }
    clock_.advance(takes_);
    out.emit(std::move(m));
  }

 private:
  ManualClock& clock_;
  Nanos takes_;
  std::vector<Nanos>& seen_;
  std::mutex& mu_;
};

struct Rig {
  ManualClock clock;
  std::mutex mu;
  std::vector<Nanos> seen;
  Kept out, dead;

  RunResult run(Nanos deadline, Nanos takes, NodeOptions check_options) {
    Graph g;
    auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(3); },
                            {.message_deadline = deadline});
    auto slow = g.add_stage(
        "slow", [this, takes] { return std::make_unique<Slow>(clock, takes, seen, mu); });
    auto check = g.add_stage("check", [] { return std::make_unique<PassThrough>(); },
                             std::move(check_options), {"out", "dead_letter"});
    g.connect(src, slow);
    g.connect(slow, check);
    g.connect(check, "out", g.add_sink("out", [this] { return std::make_unique<KeepSink>(out); }));
    g.connect(check, "dead_letter",
              g.add_sink("dead", [this] { return std::make_unique<KeepSink>(dead); }));
    pipeline = std::make_unique<Pipeline>(std::move(g), RunOptions{.threads = 2, .clock = &clock});
    return pipeline->run();
  }
  std::unique_ptr<Pipeline> pipeline;
};

TEST(Deadlines, AMessageTakenPastItsDeadlineIsExpiredAndDeadLettered) {
  Rig r;
  ASSERT_TRUE(r.run(100 * kMs, 60 * kMs, {.on_error = OnError::dead_letter}).ok());
  // `slow` took all three at 0 ms: processed, each told its deadline.
  EXPECT_EQ(r.seen, (std::vector<Nanos>{100 * kMs, 100 * kMs, 100 * kMs}));
  // `check` took them at 180 ms: none processed.
  EXPECT_EQ(r.out.size(), 0u);
  ASSERT_EQ(r.dead.size(), 3u);
  EXPECT_EQ(attr(r.dead.messages[0], "error"), "deadline exceeded");
  EXPECT_EQ(attr(r.dead.messages[0], "stage"), "check");
  const auto stats = r.pipeline->stats();
  EXPECT_EQ(stage(stats, "slow").expired, 0u);
  EXPECT_EQ(stage(stats, "check").in, 3u);
  EXPECT_EQ(stage(stats, "check").expired, 3u);
  EXPECT_EQ(stage(stats, "check").dead_letter, 0u);  // expired is their one outcome
}

TEST(Deadlines, WithoutDeadLetterExpiredMessagesAreCountedAndDropped) {
  Rig r;
  ASSERT_TRUE(r.run(100 * kMs, 60 * kMs, {}).ok());
  EXPECT_EQ(r.out.size(), 0u);
  EXPECT_EQ(r.dead.size(), 0u);
  EXPECT_EQ(stage(r.pipeline->stats(), "check").expired, 3u);
}

TEST(Deadlines, MessagesInTimeAreProcessedAndNoDeadlineMeansNone) {
  Rig in_time;
  ASSERT_TRUE(in_time.run(1000 * kMs, 60 * kMs, {.on_error = OnError::dead_letter}).ok());
  EXPECT_EQ(in_time.out.size(), 3u);
  EXPECT_EQ(stage(in_time.pipeline->stats(), "check").expired, 0u);

  Rig none;
  ASSERT_TRUE(none.run(0, 60 * kMs, {}).ok());
  EXPECT_EQ(none.out.size(), 3u);
  EXPECT_EQ(none.seen, (std::vector<Nanos>(3, Context::kNoDeadline)));
  for (const Message& m : none.out.messages) EXPECT_EQ(m.deadline_ns, 0);
}

}  // namespace
}  // namespace sluice
