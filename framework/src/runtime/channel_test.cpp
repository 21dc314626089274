#include "runtime/channel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace sluice::detail {
namespace {

struct CountingWaker final : Waker {
  void notify() noexcept override { ++wakes; }
  std::atomic<int> wakes{0};
};

std::vector<Message> numbered(int from, int to) {
  std::vector<Message> v;
  for (int i = from; i <= to; ++i) {
    Message m;
    m.seq = static_cast<std::uint64_t>(i);
    v.push_back(std::move(m));
  }
  return v;
}

std::vector<std::uint64_t> drain(Channel& ch, Waker* consumer) {
  std::vector<Message> out;
  while (ch.pop(out, 100, consumer).count > 0) {
  }
  std::vector<std::uint64_t> seqs;
  for (const auto& m : out) seqs.push_back(m.seq);
  return seqs;
}

// CH-1: block keeps everything, in order, and parks the producer when full.
TEST(Channel, BlockParksProducerAndKeepsOrder) {
  CountingWaker producer, consumer;
  Channel ch(3, Overflow::block);
  ch.add_producer();
  ch.add_consumer(&consumer);
  auto batch = numbered(1, 5);
  auto r = ch.push(batch, 0, false, &producer);
  EXPECT_EQ(r.consumed, 3u);
  EXPECT_TRUE(r.full);
  std::vector<Message> got;
  ASSERT_EQ(ch.pop(got, 1, &consumer).count, 1u);
  EXPECT_EQ(producer.wakes, 1) << "room freed: the parked producer is told";
  r = ch.push(batch, 3, false, &producer);
  EXPECT_EQ(r.consumed, 1u);
  EXPECT_TRUE(r.full);
  EXPECT_EQ(drain(ch, &consumer), (std::vector<std::uint64_t>{2, 3, 4}));
  r = ch.push(batch, 4, false, &producer);
  EXPECT_EQ(r.consumed, 1u);
  EXPECT_EQ(drain(ch, &consumer), (std::vector<std::uint64_t>{5}));
  const auto c = ch.counters();
  EXPECT_EQ(c.offered, 5u);
  EXPECT_EQ(c.dropped_newest + c.dropped_oldest, 0u);
  EXPECT_EQ(c.max_depth, 3u);
}

// CH-2: drop_newest keeps the head: 5 in = 3 out + 2 dropped.
TEST(Channel, DropNewest) {
  CountingWaker producer, consumer;
  Channel ch(3, Overflow::drop_newest);
  ch.add_producer();
  ch.add_consumer(&consumer);
  auto batch = numbered(1, 5);
  auto r = ch.push(batch, 0, false, &producer);
  EXPECT_EQ(r.consumed, 5u);
  EXPECT_FALSE(r.full);
  EXPECT_EQ(drain(ch, &consumer), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(ch.counters().dropped_newest, 2u);
}

// CH-3: drop_oldest evicts the head in order.
TEST(Channel, DropOldest) {
  CountingWaker producer, consumer;
  Channel ch(3, Overflow::drop_oldest);
  ch.add_producer();
  ch.add_consumer(&consumer);
  auto batch = numbered(1, 5);
  (void)ch.push(batch, 0, false, &producer);
  EXPECT_EQ(drain(ch, &consumer), (std::vector<std::uint64_t>{3, 4, 5}));
  EXPECT_EQ(ch.counters().dropped_oldest, 2u);
}

TEST(Channel, DropOldestKeepsTheNewestOfAnOversizedBatch) {
  CountingWaker producer, consumer;
  Channel ch(3, Overflow::drop_oldest);
  ch.add_producer();
  ch.add_consumer(&consumer);
  auto first = numbered(1, 2);
  (void)ch.push(first, 0, false, &producer);
  auto second = numbered(3, 7);
  (void)ch.push(second, 0, false, &producer);
  EXPECT_EQ(drain(ch, &consumer), (std::vector<std::uint64_t>{5, 6, 7}));
  const auto c = ch.counters();
  EXPECT_EQ(c.dropped_oldest, 4u);
  EXPECT_EQ(c.offered, 7u);
}

TEST(Channel, PopSplitsABatchLargerThanAsked) {
  CountingWaker producer, consumer;
  Channel ch(10, Overflow::block);
  ch.add_producer();
  ch.add_consumer(&consumer);
  auto batch = numbered(1, 5);
  (void)ch.push(batch, 0, false, &producer);
  std::vector<Message> got;
  EXPECT_EQ(ch.pop(got, 2, &consumer).count, 2u);
  EXPECT_EQ(got[1].seq, 2u);
  got.clear();
  EXPECT_EQ(ch.pop(got, 10, &consumer).count, 3u);
  EXPECT_EQ(got[0].seq, 3u);
}

TEST(Channel, PopTakesOneQueuedBatchUnlessAskedToFillByCount) {
  CountingWaker producer, consumer;
  Channel ch(10, Overflow::block);
  ch.add_producer();
  ch.add_consumer(&consumer);
  for (int i = 1; i <= 5; ++i) {
    auto one = numbered(i, i);  // a paced producer: one message per batch
    (void)ch.push(one, 0, false, &producer);
  }
  std::vector<Message> got;
  EXPECT_EQ(ch.pop(got, 4, &consumer).count, 1u) << "the first queued batch, handed over whole";
  got.clear();
  EXPECT_EQ(ch.pop(got, 3, &consumer, Channel::Fill::count).count, 3u);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].seq, 2u);
  EXPECT_EQ(got[2].seq, 4u);
  got.clear();
  EXPECT_EQ(ch.pop(got, 10, &consumer, Channel::Fill::count).count, 1u);
  EXPECT_EQ(got[0].seq, 5u);
  EXPECT_EQ(ch.counters().depth, 0u);
}

// CH-5: end of stream is never dropped and never waits behind a full queue.
TEST(Channel, EndOfStreamComesAfterTheDataEvenWhenFull) {
  CountingWaker producer, consumer;
  Channel ch(2, Overflow::drop_oldest);
  ch.add_producer();
  ch.add_consumer(&consumer);
  auto batch = numbered(1, 2);
  (void)ch.push(batch, 0, false, &producer);
  ch.close_producer();
  std::vector<Message> got;
  auto r = ch.pop(got, 1, &consumer);
  EXPECT_EQ(r.count, 1u);
  EXPECT_FALSE(r.end);
  r = ch.pop(got, 10, &consumer);
  EXPECT_EQ(r.count, 1u);
  EXPECT_FALSE(r.end);
  r = ch.pop(got, 10, &consumer);
  EXPECT_EQ(r.count, 0u);
  EXPECT_TRUE(r.end);
}

TEST(Channel, EmptyPopRegistersTheConsumerAndPushWakesIt) {
  CountingWaker producer, consumer;
  Channel ch(4, Overflow::block);
  ch.add_producer();
  ch.add_consumer(&consumer);
  std::vector<Message> got;
  EXPECT_EQ(ch.pop(got, 10, &consumer).count, 0u);
  auto one = numbered(1, 1);
  auto two = numbered(2, 2);
  (void)ch.push(one, 0, false, &producer);
  EXPECT_EQ(consumer.wakes, 1);
  (void)ch.push(two, 0, false, &producer);
  EXPECT_EQ(consumer.wakes, 1) << "no wake-up per message while the consumer is not waiting";
}

TEST(Channel, LastProducerClosingEndsTheStream) {
  CountingWaker consumer;
  Channel ch(4, Overflow::block);
  ch.add_producer();
  ch.add_producer();
  ch.add_consumer(&consumer);
  ch.close_producer();
  std::vector<Message> got;
  EXPECT_FALSE(ch.pop(got, 10, &consumer).end);
  ch.close_producer();
  EXPECT_TRUE(ch.pop(got, 10, &consumer).end);
}

TEST(Channel, DetachedConsumerMakesTheChannelDeadAndCountsWhatWasLeft) {
  CountingWaker producer, consumer;
  Channel ch(2, Overflow::block);
  ch.add_producer();
  ch.add_consumer(&consumer);
  auto batch = numbered(1, 3);
  EXPECT_TRUE(ch.push(batch, 0, false, &producer).full);
  ch.detach_consumer();
  EXPECT_EQ(producer.wakes, 1) << "a parked producer learns its consumer is gone";
  auto r = ch.push(batch, 2, false, &producer);
  EXPECT_TRUE(r.dead);
  EXPECT_EQ(r.consumed, 1u);
  const auto c = ch.counters();
  EXPECT_EQ(c.abandoned, 2u);
  EXPECT_EQ(c.discarded, 1u);
}

TEST(Channel, CopyLeavesTheSourceIntact) {
  CountingWaker producer, consumer;
  Channel ch(4, Overflow::block);
  ch.add_producer();
  ch.add_consumer(&consumer);
  std::vector<Message> batch(1);
  batch[0].payload = "a payload too long for the small string buffer";
  (void)ch.push(batch, 0, true, &producer);
  EXPECT_EQ(batch[0].payload, "a payload too long for the small string buffer");
}

// CH-7: producers and consumers on threads; conservation and per-producer order.
class ChannelStress : public ::testing::TestWithParam<Overflow> {};

TEST_P(ChannelStress, ConservesEveryMessageAndKeepsPerProducerOrder) {
  constexpr int kProducers = 4, kConsumers = 3, kPerProducer = 20000;
  Channel ch(64, GetParam());
  CountingWaker consumer_waker;
  for (int i = 0; i < kProducers; ++i) ch.add_producer();
  for (int i = 0; i < kConsumers; ++i) ch.add_consumer(&consumer_waker);
  std::atomic<std::uint64_t> received{0};
  std::atomic<bool> order_ok{true};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      CountingWaker self;
      std::vector<Message> batch;
      for (int i = 0; i < kPerProducer;) {
        batch.clear();
        for (int k = 0; k < 16 && i + k < kPerProducer; ++k) {
          Message m;
          m.key = std::to_string(p);
          m.seq = static_cast<std::uint64_t>(i + k);
          batch.push_back(std::move(m));
        }
        const auto n = static_cast<int>(batch.size());
        std::size_t done = 0;
        while (!batch.empty() && done < batch.size()) {
          done += ch.push(batch, done, false, &self).consumed;
          if (!batch.empty() && done < batch.size()) std::this_thread::yield();
        }
        i += n;
      }
      ch.close_producer();
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&] {
      std::vector<std::int64_t> last(kProducers, -1);
      std::vector<Message> got;
      for (;;) {
        got.clear();
        const auto r = ch.pop(got, 32, &consumer_waker);
        for (const auto& m : got) {
          const int p = std::stoi(m.key);
          if (static_cast<std::int64_t>(m.seq) <= last[p]) order_ok = false;
          last[p] = static_cast<std::int64_t>(m.seq);
        }
        received += r.count;
        if (r.end) break;
        if (r.count == 0) std::this_thread::yield();
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto c = ch.counters();
  EXPECT_TRUE(order_ok);
  EXPECT_EQ(c.offered, std::uint64_t{kProducers} * kPerProducer);
  EXPECT_EQ(c.offered, received + c.dropped_newest + c.dropped_oldest);
  EXPECT_LE(c.max_depth, 64u);
  if (GetParam() == Overflow::block) {
    EXPECT_EQ(received, c.offered);
  }
}

INSTANTIATE_TEST_SUITE_P(Policies, ChannelStress,
                         ::testing::Values(Overflow::block, Overflow::drop_newest,
                                           Overflow::drop_oldest));

}  // namespace
}  // namespace sluice::detail
