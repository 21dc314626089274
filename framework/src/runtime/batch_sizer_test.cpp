#include "runtime/batch_sizer.hpp"

#include <gtest/gtest.h>

namespace sluice::detail {
namespace {

TEST(BatchSizer, ASharedInputIsTakenOneMessageAtFirst) {
  EXPECT_EQ(BatchSizer(256, true).next(), 1u);
  EXPECT_EQ(BatchSizer(256, false).next(), 256u) << "a lone instance shares with nobody";
}

TEST(BatchSizer, ALoneInstanceAlwaysTakesWholeBatches) {
  BatchSizer s(256, false);
  s.record(1, 20'000'000);
  EXPECT_EQ(s.next(), 256u);
}

TEST(BatchSizer, ACheapStageTakesTheWholeBatch) {
  BatchSizer s(256);
  s.record(1, 40);  // a map: tens of nanoseconds
  EXPECT_EQ(s.next(), 256u);
  s.record(256, 256 * 30);
  EXPECT_EQ(s.next(), 256u);
}

TEST(BatchSizer, ASlowStageTakesOneAtATime) {
  BatchSizer s(256);
  s.record(1, 20'000'000);  // a 20 ms call
  EXPECT_EQ(s.next(), 1u);
  s.record(1, 19'000'000);
  EXPECT_EQ(s.next(), 1u);
}

TEST(BatchSizer, AStageInBetweenTakesATurnBudgetsWorth) {
  BatchSizer s(256);
  s.record(1, 10'000);       // 10 us a message
  EXPECT_EQ(s.next(), 16u);  // 300 us / 10 us = 30, down to a power of two
}

TEST(BatchSizer, AStallIsForgottenWithinAFewTurns) {
  BatchSizer s(256);
  s.record(100, 100 * 50);  // 50 ns each
  ASSERT_EQ(s.next(), 256u);
  s.record(1, 2'000'000);  // one 2 ms stall: a quarter of it counts
  EXPECT_EQ(s.next(), 1u);
  int turns = 0;
  while (s.next() < 256u && turns < 100) {
    s.record(s.next(), static_cast<Nanos>(s.next()) * 50);
    ++turns;
  }
  EXPECT_LE(turns, 12) << "cheap again after a few turns";
}

TEST(BatchSizer, NeverBelowOneNorAboveItsMaximum) {
  BatchSizer s(8);
  s.record(1, 0);  // too fast for the clock
  EXPECT_EQ(s.next(), 8u);
  BatchSizer slow(8);
  slow.record(1, 3'600'000'000'000);
  EXPECT_EQ(slow.next(), 1u);
  EXPECT_EQ(BatchSizer(0).max(), 1u);
}

}  // namespace
}  // namespace sluice::detail
