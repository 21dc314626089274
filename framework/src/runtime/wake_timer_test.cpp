#include "runtime/wake_timer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::detail {
namespace {

constexpr Nanos kMs = 1'000'000;

/// Stands in for an instance: forwards what the timer service fires.
struct Target final : TimerTarget {
  explicit Target(TimerService& timers) : timer(timers, this) {}
  void on_deadline(Nanos deadline) noexcept override {
    if (timer.fire(deadline)) woken.push_back(deadline);
  }
  WakeTimer timer;
  std::vector<Nanos> woken;
};

// Only the earliest deadline is armed: a later one is left to be armed again
// once the earlier has fired, and the one an earlier arm replaced is stale.
TEST(WakeTimer, ArmsOnlyTheEarliestDeadline) {
  ManualClock clock;
  TimerService timers(clock);
  Target t(timers);
  t.timer.arm(100 * kMs);
  t.timer.arm(200 * kMs);  // later: not armed
  EXPECT_EQ(timers.pending(), 1u);
  t.timer.arm(50 * kMs);  // earlier: armed; the 100 ms one goes stale
  EXPECT_EQ(timers.pending(), 2u);
  clock.set(150 * kMs);
  timers.fire_due();
  EXPECT_EQ(t.woken, (std::vector<Nanos>{50 * kMs})) << "the stale 100 ms deadline wakes nobody";
  EXPECT_TRUE(t.timer.take_fired());
  EXPECT_FALSE(t.timer.take_fired()) << "taken once";
  t.timer.arm(200 * kMs);  // nothing armed now: this one is
  clock.set(200 * kMs);
  timers.fire_due();
  EXPECT_EQ(t.woken, (std::vector<Nanos>{50 * kMs, 200 * kMs}));
}

// The stage's own time is kept apart from what else armed the timer, so an
// instance can tell a retry's wake-up from the stage's.
TEST(WakeTimer, KeepsTheStagesEarliestAsk) {
  ManualClock clock;
  TimerService timers(clock);
  Target t(timers);
  EXPECT_EQ(t.timer.stage_due(), WakeTimer::kNone);
  t.timer.stage_wants(300 * kMs);
  t.timer.stage_wants(400 * kMs);
  EXPECT_EQ(t.timer.stage_due(), 300 * kMs);
  t.timer.arm(100 * kMs);  // a retry, earlier than the stage
  clock.set(100 * kMs);
  timers.fire_due();
  EXPECT_TRUE(t.timer.take_fired());
  EXPECT_GT(t.timer.stage_due(), clock.now()) << "not the stage's time yet";
  t.timer.clear_stage_due();
  EXPECT_EQ(t.timer.stage_due(), WakeTimer::kNone);
}

TEST(WakeTimer, ForgetsAFiringNobodyAskedAbout) {
  ManualClock clock;
  TimerService timers(clock);
  Target t(timers);
  t.timer.arm(10);
  clock.set(10);
  timers.fire_due();
  t.timer.forget_fired();
  EXPECT_FALSE(t.timer.take_fired());
}

}  // namespace
}  // namespace sluice::detail
