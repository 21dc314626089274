#include "runtime/admission.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace sluice::detail {
namespace {

constexpr Nanos kMs = 1'000'000;

struct CountingWaiter final : Semaphore::Waiter {
  void notify() noexcept override { ++wakes; }
  int wakes{0};
};

using Gate = Admission::Gate;

// A message that must wait for a token reserves it once and keeps it: asking
// again before it is due waits for the same token rather than taking another.
TEST(Admission, ReservesATokenOnceAndPassesWhenItIsDue) {
  ManualClock clock;
  RateLimiter limiter({.rate = 10, .burst = 1}, clock.now());
  Admission a(&limiter, nullptr, nullptr, clock, nullptr);
  EXPECT_EQ(a.admit(), Gate::pass) << "the bucket starts full";
  EXPECT_EQ(a.admit(), Gate::wait);
  EXPECT_TRUE(a.waiting_for_token());
  EXPECT_EQ(a.token_at(), 100 * kMs);
  clock.advance(50 * kMs);
  EXPECT_EQ(a.admit(), Gate::wait);
  EXPECT_EQ(a.token_at(), 100 * kMs) << "the same token, not a second one";
  clock.advance(50 * kMs);
  EXPECT_EQ(a.admit(), Gate::pass);
  EXPECT_FALSE(a.waiting_for_token());
  EXPECT_EQ(a.admit(), Gate::wait);
  EXPECT_EQ(a.token_at(), 200 * kMs) << "the next token is the next one the bucket makes";
}

TEST(Admission, DropModeSkipsWhatFindsNoToken) {
  ManualClock clock;
  RateLimiter limiter({.rate = 10, .burst = 1, .mode = RateLimiter::Mode::drop}, clock.now());
  Admission a(&limiter, nullptr, nullptr, clock, nullptr);
  EXPECT_EQ(a.admit(), Gate::pass);
  EXPECT_EQ(a.admit(), Gate::skip);
  EXPECT_FALSE(a.waiting_for_token());
  clock.advance(100 * kMs);
  EXPECT_EQ(a.admit(), Gate::pass);
}

// The time since the batch was taken counts against max_wait.
TEST(Admission, WaitSinceTakenCountsAgainstMaxWait) {
  ManualClock clock;
  RateLimiter limiter({.rate = 10, .burst = 1, .max_wait = 150 * kMs}, clock.now());
  Admission a(&limiter, nullptr, nullptr, clock, nullptr);
  a.note_taken();
  EXPECT_EQ(a.admit(), Gate::pass);
  EXPECT_EQ(a.admit(), Gate::wait) << "100 ms to wait, within 150";
  clock.advance(100 * kMs);
  EXPECT_EQ(a.admit(), Gate::pass);
  EXPECT_EQ(a.admit(), Gate::skip) << "taken 100 ms ago, 100 ms more: over 150";
  a.note_taken();
  clock.advance(100 * kMs);
  a.note_taken();
  EXPECT_EQ(a.admit(), Gate::pass) << "counted from the new batch";
}

// One permit is held across calls until released, and whoever waited for it
// hears that it is free.
TEST(Admission, HoldsOneSemaphorePermitAndWakesTheWaiter) {
  ManualClock clock;
  Semaphore sem(1);
  CountingWaiter wa, wb;
  Admission a(nullptr, &sem, nullptr, clock, &wa);
  Admission b(nullptr, &sem, nullptr, clock, &wb);
  EXPECT_EQ(a.admit(), Gate::pass);
  EXPECT_TRUE(a.holding_permit());
  EXPECT_EQ(a.admit(), Gate::pass) << "already held: no second permit";
  EXPECT_EQ(sem.available(), 0);
  EXPECT_EQ(b.admit(), Gate::wait);
  EXPECT_FALSE(b.waiting_for_token()) << "waits for a permit, not a timer";
  a.release_permit();
  EXPECT_FALSE(a.holding_permit());
  EXPECT_EQ(wb.wakes, 1);
  a.release_permit();  // holding none: nothing to give back
  EXPECT_EQ(sem.available(), 1);
  EXPECT_TRUE(b.acquire_permit());
  EXPECT_EQ(sem.available(), 0);
  b.release_permit();
}

// The breaker's permit is held until the call is recorded; an open breaker
// admits nothing until open_for has passed, then lets a probe through.
TEST(Admission, HoldsTheBreakersPermitUntilTheCallIsRecorded) {
  ManualClock clock;
  CircuitBreaker breaker(
      "b", {.window = 2, .min_calls = 2, .open_for = 1000 * kMs, .half_open_calls = 1});
  Admission a(nullptr, nullptr, &breaker, clock, nullptr);
  std::optional<CircuitBreaker::Transition> changed;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(a.enter_breaker(&changed));
    EXPECT_TRUE(a.enter_breaker(&changed)) << "held: not asked for twice";
    a.record_call(true, clock.now(), clock.now(), &changed);
  }
  ASSERT_TRUE(changed.has_value());
  EXPECT_EQ(changed->to, CircuitBreaker::State::open);
  changed.reset();
  EXPECT_FALSE(a.enter_breaker(&changed));
  clock.advance(1001 * kMs);  // strict: at exactly open_for it is still open
  ASSERT_TRUE(a.enter_breaker(&changed));
  ASSERT_TRUE(changed.has_value());
  EXPECT_EQ(changed->to, CircuitBreaker::State::half_open);
  Admission other(nullptr, nullptr, &breaker, clock, nullptr);
  EXPECT_FALSE(other.enter_breaker(&changed)) << "the one probe is taken";
  a.release_breaker();  // its call was never made
  EXPECT_TRUE(other.enter_breaker(&changed)) << "the probe slot is free again";
}

}  // namespace
}  // namespace sluice::detail
