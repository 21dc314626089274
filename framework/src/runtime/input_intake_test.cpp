#include "runtime/input_intake.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace sluice::detail {
namespace {

struct CountingWaker final : Waker {
  void notify() noexcept override { ++wakes; }
  int wakes{0};
};

/// A stage that takes from the inputs `accepting` says it does (a priority
/// stage whose lane for that input is full says no).
struct Choosy final : Stage {
  void process(Message&&, Emitter&, Context&) override {}
  [[nodiscard]] bool accepts(std::size_t input) const noexcept override { return accepting[input]; }
  std::vector<bool> accepting;
};

/// Channels whose messages are numbered input * 100 + i, so a take shows
/// where each message came from.
struct Inputs {
  explicit Inputs(std::size_t k) {
    for (std::size_t i = 0; i < k; ++i) {
      owned.push_back(std::make_unique<Channel>(1000, Overflow::block));
      owned.back()->add_producer();
      owned.back()->add_consumer(&consumer);
      channels.push_back(owned.back().get());
    }
  }
  void push(std::size_t input, std::uint64_t count) {
    std::vector<Message> batch;
    for (std::uint64_t i = 0; i < count; ++i) {
      Message m;
      m.seq = input * 100 + i;
      batch.push_back(std::move(m));
    }
    channels[input]->push(batch, 0, false, &producer);
  }
  std::vector<std::unique_ptr<Channel>> owned;
  std::vector<Channel*> channels;
  CountingWaker producer, consumer;
};

std::vector<std::uint64_t> seqs(const std::vector<Message>& v) {
  std::vector<std::uint64_t> out;
  for (const Message& m : v) out.push_back(m.seq);
  return out;
}

// Each take serves one input, the next in turn after the one served last, so
// a busy input cannot keep a quiet one waiting for more than one round.
TEST(InputIntake, ServesTheInputsInTurn) {
  Inputs in(3);
  in.push(0, 5);
  in.push(1, 1);
  in.push(2, 5);
  InputIntake intake(in.channels, BatchSizer(2, /*shared=*/false), false);
  std::vector<Message> out;
  std::vector<std::size_t> from;
  std::vector<std::vector<std::uint64_t>> got;
  while (true) {
    out.clear();
    if (intake.take(out, &in.consumer, nullptr) == 0) break;
    from.push_back(intake.input_index());
    got.push_back(seqs(out));
  }
  EXPECT_EQ(from, (std::vector<std::size_t>{0, 1, 2, 0, 2, 0, 2}));
  EXPECT_EQ(got[0], (std::vector<std::uint64_t>{0, 1})) << "up to the sizer's batch";
  EXPECT_EQ(got[1], (std::vector<std::uint64_t>{100}));
  EXPECT_EQ(got[5], (std::vector<std::uint64_t>{4}));
  EXPECT_TRUE(intake.any_open());
}

// An input the stage does not accept is skipped and remembered as declined;
// once the stage accepts it again, the instance knows to take from it.
TEST(InputIntake, SkipsWhatTheStageDeclines) {
  Inputs in(2);
  in.push(0, 2);
  in.push(1, 2);
  Choosy stage;
  stage.accepting = {false, true};
  InputIntake intake(in.channels, BatchSizer(10, false), false);
  std::vector<Message> out;
  EXPECT_EQ(intake.take(out, &in.consumer, &stage), 2u);
  EXPECT_EQ(intake.input_index(), 1u);
  EXPECT_FALSE(intake.declined_now_accepted(&stage));
  out.clear();
  EXPECT_EQ(intake.take(out, &in.consumer, &stage), 0u) << "input 1 is empty, 0 declined";
  stage.accepting[0] = true;
  EXPECT_TRUE(intake.declined_now_accepted(&stage));
  EXPECT_EQ(intake.take(out, &in.consumer, &stage), 2u);
  EXPECT_EQ(intake.input_index(), 0u);
}

// Interleaving: a share of each open input, dealt one at a time, and the next
// take starts with the input after the one that went first.
TEST(InputIntake, InterleavesOneFromEachInput) {
  Inputs in(3);
  in.push(0, 4);
  in.push(1, 1);
  in.push(2, 4);
  InputIntake intake(in.channels, BatchSizer(6, false), /*interleave=*/true);
  ASSERT_TRUE(intake.interleaving());
  std::vector<Message> out;
  EXPECT_EQ(intake.take_interleaved(out, 6, &in.consumer), 5u);
  EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{0, 100, 200, 1, 201}));
  out.clear();
  EXPECT_EQ(intake.take_interleaved(out, 6, &in.consumer), 4u);
  EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{202, 2, 203, 3})) << "input 1 first: empty";
}

TEST(InputIntake, OneInputDoesNotInterleave) {
  Inputs in(1);
  InputIntake intake(in.channels, BatchSizer(6, false), /*interleave=*/true);
  EXPECT_FALSE(intake.interleaving());
}

// An input that is closed and drained has ended; once all have, none is open.
TEST(InputIntake, KnowsWhenEveryInputHasEnded) {
  Inputs in(2);
  in.push(1, 1);
  InputIntake intake(in.channels, BatchSizer(10, false), false);
  in.channels[0]->close_producer();
  in.channels[1]->close_producer();
  std::vector<Message> out;
  EXPECT_EQ(intake.take(out, &in.consumer, nullptr), 1u) << "what was queued still comes";
  EXPECT_TRUE(intake.any_open());
  out.clear();
  EXPECT_EQ(intake.take(out, &in.consumer, nullptr), 0u);
  EXPECT_FALSE(intake.any_open());
}

}  // namespace
}  // namespace sluice::detail
