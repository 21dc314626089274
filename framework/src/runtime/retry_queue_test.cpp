#include "runtime/retry_queue.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace sluice::detail {
namespace {

Message numbered(std::uint64_t seq) {
  Message m;
  m.seq = seq;
  return m;
}

std::vector<std::uint64_t> seqs(const std::vector<Message>& v) {
  std::vector<std::uint64_t> out;
  for (const Message& m : v) out.push_back(m.seq);
  return out;
}

// The earliest due goes first; retries due at the same time go in the order
// they were parked, whatever order the heap happens to hold them in.
TEST(RetryQueue, GivesBackByDueThenByArrival) {
  RetryQueue q;
  q.park(30, {.attempt = 2}, numbered(1));
  q.park(10, {.attempt = 2}, numbered(2));
  q.park(20, {.attempt = 3}, numbered(3));
  q.park(10, {.attempt = 2}, numbered(4));
  q.park(20, {.attempt = 2}, numbered(5));
  q.park(10, {.attempt = 4}, numbered(6));
  EXPECT_EQ(q.size(), 6u);
  EXPECT_EQ(q.next_due(), 10);
  std::vector<Message> out;
  std::vector<AttemptState> states;
  EXPECT_EQ(q.take_due(100, 100, out, states), 6u);
  EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{2, 4, 6, 3, 5, 1}));
  ASSERT_EQ(states.size(), 6u);
  EXPECT_EQ(states[2].attempt, 4) << "each message keeps its own state";
  EXPECT_EQ(states[3].attempt, 3);
  EXPECT_TRUE(q.empty());
}

// Only what is due at `now`, and no more than fills `out` up to the limit:
// the rest waits for the next turn, still in order.
TEST(RetryQueue, TakesOnlyWhatIsDueUpToTheLimit) {
  RetryQueue q;
  for (std::uint64_t i = 1; i <= 5; ++i) q.park(static_cast<Nanos>(i * 10), {}, numbered(i));
  std::vector<Message> out;
  std::vector<AttemptState> states;
  EXPECT_EQ(q.take_due(5, 10, out, states), 0u) << "nothing due yet";
  EXPECT_EQ(q.take_due(40, 3, out, states), 3u);
  EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(q.next_due(), 40);
  out.clear();
  states.clear();
  EXPECT_EQ(q.take_due(40, 10, out, states), 1u);
  EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{4}));
  EXPECT_EQ(q.next_due(), 50);
  EXPECT_EQ(q.size(), 1u);
}

TEST(RetryQueue, ClearDropsEverythingAndSaysHowMuch) {
  RetryQueue q;
  q.park(10, {}, numbered(1));
  q.park(20, {}, numbered(2));
  EXPECT_EQ(q.clear(), 2u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.clear(), 0u);
}

}  // namespace
}  // namespace sluice::detail
