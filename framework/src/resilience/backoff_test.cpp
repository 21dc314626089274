// Backoff delays and the retry budget, with worked numbers (initial 100 ms,
// multiplier 2, max 1 s).
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "sluice/resilience.hpp"

namespace sluice {
namespace {

RetryPolicy policy(Jitter jitter) {
  return {.max_attempts = 6,
          .initial_backoff = from_millis(100),
          .max_backoff = from_millis(1000),
          .multiplier = 2.0,
          .jitter = jitter};
}

/// Delays before attempts 2..6 with every draw equal to `u`.
std::vector<double> delays_ms(const RetryPolicy& p, double u) {
  std::vector<double> out;
  Nanos previous = 0;
  for (std::int64_t n = 1; n <= 5; ++n) {
    previous = backoff_delay(p, n, u, previous);
    out.push_back(static_cast<double>(previous) / 1e6);
  }
  return out;
}

TEST(Backoff, NoJitterDoublesUpToTheCap) {
  EXPECT_EQ(delays_ms(policy(Jitter::none), 0.5), (std::vector<double>{100, 200, 400, 800, 1000}));
}

TEST(Backoff, FullJitterDrawsBelowTheCeiling) {
  EXPECT_EQ(delays_ms(policy(Jitter::full), 0.5), (std::vector<double>{50, 100, 200, 400, 500}));
  EXPECT_EQ(delays_ms(policy(Jitter::full), 0.0), (std::vector<double>{0, 0, 0, 0, 0}));
}

TEST(Backoff, EqualJitterKeepsHalfTheCeiling) {
  EXPECT_EQ(delays_ms(policy(Jitter::equal), 0.5), (std::vector<double>{75, 150, 300, 600, 750}));
}

TEST(Backoff, DecorrelatedGrowsFromThePreviousDelay) {
  EXPECT_EQ(delays_ms(policy(Jitter::decorrelated), 0.5),
            (std::vector<double>{200, 350, 575, 912.5, 1000}));
}

TEST(Backoff, HugeAttemptNumbersSaturateAtTheCap) {
  const auto p = policy(Jitter::none);
  EXPECT_EQ(backoff_delay(p, 10'000, 0.5, 0), from_millis(1000));
  EXPECT_LT(backoff_delay(policy(Jitter::full), 10'000, 0.999999, 0), from_millis(1000));
}

TEST(Backoff, RandomDrawsStayInTheirRanges) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const Nanos c5 = from_millis(1000);
  double sum = 0;
  constexpr int kDraws = 10'000;
  for (int i = 0; i < kDraws; ++i) {
    const Nanos full = backoff_delay(policy(Jitter::full), 5, uniform(rng), 0);
    ASSERT_GE(full, 0);
    ASSERT_LT(full, c5);
    sum += static_cast<double>(full);
    const Nanos equal = backoff_delay(policy(Jitter::equal), 5, uniform(rng), 0);
    ASSERT_GE(equal, c5 / 2);
    ASSERT_LT(equal, c5);
    const Nanos decorrelated =
        backoff_delay(policy(Jitter::decorrelated), 5, uniform(rng), from_millis(900));
    ASSERT_GE(decorrelated, from_millis(100));
    ASSERT_LE(decorrelated, c5);
  }
  EXPECT_NEAR(sum / kDraws / 1e6, 500.0, 10.0);  // the mean of U[0, 1000 ms) within 2%
}

TEST(RetryBudget, RetriesAreAtMostTheReservePlusTheirShareOfCalls) {
  RetryBudget budget(0.2, 10);
  int retries = 0;
  for (int call = 0; call < 1000; ++call) {
    budget.on_call();
    for (int attempt = 1; attempt < 3; ++attempt) {  // every attempt fails, 3 allowed
      if (!budget.try_retry()) break;
      ++retries;
    }
  }
  // The reserve is full at the start, so the first deposits are lost to the cap.
  EXPECT_EQ(retries, 10 + 200 - 1);
  // Only the first five calls got both their retries; every other call was
  // throttled once.
  EXPECT_EQ(budget.throttled(), 995u);
}

TEST(RetryBudget, SuccessesRefillItUpToTheReserveOnly) {
  RetryBudget budget(0.5, 2);
  EXPECT_TRUE(budget.try_retry());
  EXPECT_TRUE(budget.try_retry());
  EXPECT_FALSE(budget.try_retry());
  for (int i = 0; i < 100; ++i) budget.on_call();  // a long healthy stretch
  EXPECT_DOUBLE_EQ(budget.balance(), 2.0);
  EXPECT_TRUE(budget.try_retry());
  EXPECT_TRUE(budget.try_retry());
  EXPECT_FALSE(budget.try_retry());
  EXPECT_EQ(budget.throttled(), 2u);
}

}  // namespace
}  // namespace sluice
