#include <gtest/gtest.h>

#include "sluice/resilience.hpp"

namespace sluice {
namespace {

constexpr Nanos kMs = 1'000'000;

TEST(RestartIntensity, AllowsMaxRestartsWithinThePeriodThenRefuses) {
  RestartIntensity r({.max_restarts = 3,
                      .within = 1000 * kMs,
                      .initial_backoff = 10 * kMs,
                      .max_backoff = 1000 * kMs});
  EXPECT_TRUE(r.admit(0));
  EXPECT_TRUE(r.admit(100 * kMs));
  EXPECT_TRUE(r.admit(200 * kMs));
  EXPECT_FALSE(r.admit(300 * kMs));
  // The first restart leaves the period at 1000 ms: one more is allowed.
  EXPECT_FALSE(r.admit(999 * kMs));
  EXPECT_TRUE(r.admit(1000 * kMs));
  EXPECT_FALSE(r.admit(1001 * kMs));
}

TEST(RestartIntensity, BackoffDoublesWithinThePeriodUpToItsCap) {
  RestartIntensity r({.max_restarts = 10,
                      .within = 60'000 * kMs,
                      .initial_backoff = 100 * kMs,
                      .max_backoff = 500 * kMs});
  EXPECT_EQ(r.admit(0), 100 * kMs);
  EXPECT_EQ(r.admit(1), 200 * kMs);
  EXPECT_EQ(r.admit(2), 400 * kMs);
  EXPECT_EQ(r.admit(3), 500 * kMs);
  EXPECT_EQ(r.admit(4), 500 * kMs);
}

TEST(RestartIntensity, AQuietPeriodStartsTheBackoffAgain) {
  RestartIntensity r({.max_restarts = 10,
                      .within = 1000 * kMs,
                      .initial_backoff = 100 * kMs,
                      .max_backoff = 10'000 * kMs});
  EXPECT_EQ(r.admit(0), 100 * kMs);
  EXPECT_EQ(r.admit(10 * kMs), 200 * kMs);
  EXPECT_EQ(r.admit(5000 * kMs), 100 * kMs);
}

TEST(RestartIntensity, ZeroMaxRestartsNeverRestarts) {
  RestartIntensity r({.max_restarts = 0});
  EXPECT_FALSE(r.admit(0));
}

}  // namespace
}  // namespace sluice
