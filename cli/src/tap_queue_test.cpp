// TapQueue: keeps at most `limit` copies, `rate` a second and its capacity,
// dropping copies (never blocking the offering thread), and prints them as
// payload lines or JSON.
#include "tap_queue.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

namespace sluice::cli {
namespace {

using std::chrono::milliseconds;

std::vector<Message> numbered(std::uint64_t from, std::uint64_t n) {
  std::vector<Message> v(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    v[i].seq = from + i;
    v[i].payload = "m" + std::to_string(from + i);
  }
  return v;
}

TEST(TapQueue, KeepsCopiesInOrderUpToItsLimit) {
  TapQueue q(0, 5);
  const auto batch = numbered(1, 3);
  q.offer(batch);
  q.offer(batch);  // 3 more offered, 2 kept: the limit is 5
  auto got = q.take(milliseconds(0));
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].payload, "m1");
  EXPECT_EQ(got[4].payload, "m2");
  EXPECT_EQ(batch[0].payload, "m1") << "the offered messages are copied, not moved";
  EXPECT_TRUE(q.finished());
  EXPECT_EQ(q.dropped(), 0u) << "past the limit is not wanted, not dropped";
}

TEST(TapQueue, AFullQueueDropsCopies) {
  TapQueue q(0, 0, 4);
  q.offer(numbered(1, 10));
  EXPECT_EQ(q.dropped(), 6u);
  EXPECT_EQ(q.take(milliseconds(0)).size(), 4u);
  EXPECT_FALSE(q.finished()) << "no limit: until closed";
  q.close();
  EXPECT_TRUE(q.finished());
}

TEST(TapQueue, TheRateSamplesAtMostThatManyASecond) {
  TapQueue q(2, 0);  // 2 a second, 1 banked at first
  q.offer(numbered(1, 100));
  EXPECT_EQ(q.take(milliseconds(0)).size(), 1u);
  std::this_thread::sleep_for(milliseconds(600));  // about one more allowed
  q.offer(numbered(101, 100));
  const auto later = q.take(milliseconds(0));
  ASSERT_GE(later.size(), 1u);
  EXPECT_LE(later.size(), 2u) << "at most max(1, rate) banked, however long the sleep";
  EXPECT_EQ(later[0].seq, 101u);
}

TEST(TapQueue, TakeWaitsForCopiesAndCloseEndsTheWait) {
  TapQueue q(0, 0);
  std::thread offerer([&q] {
    std::this_thread::sleep_for(milliseconds(20));
    q.offer(numbered(1, 1));
  });
  EXPECT_EQ(q.take(milliseconds(5000)).size(), 1u);
  offerer.join();
  std::thread closer([&q] {
    std::this_thread::sleep_for(milliseconds(20));
    q.close();
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(q.take(milliseconds(5000)).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(4000));
  closer.join();
}

TEST(TapQueue, PrintsPayloadLinesOrJson) {
  Message m;
  m.payload = "a \"b\"";
  m.key = "k";
  m.seq = 7;
  m.trace_id = 99;
  m.attrs.set("x", "y");
  EXPECT_EQ(tap_line(m, false), "a \"b\"\n");
  const std::string line = tap_line(m, true);
  ASSERT_EQ(line.back(), '\n');
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["payload"], "a \"b\"");
  EXPECT_EQ(j["seq"], 7);
  EXPECT_EQ(j["trace_id"], 99);
  EXPECT_EQ(j["attrs"]["x"], "y");
}

}  // namespace
}  // namespace sluice::cli
