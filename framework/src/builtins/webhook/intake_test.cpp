#include "builtins/webhook/intake.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace sluice::builtins::webhook {
namespace {

using namespace std::chrono_literals;
using State = Request::State;

std::shared_ptr<Request> request(std::initializer_list<const char*> payloads) {
  std::vector<Message> ms;
  for (const char* p : payloads) ms.emplace_back().payload = p;
  return std::make_shared<Request>(std::move(ms));
}

SteadyTime soon() { return std::chrono::steady_clock::now() + 20ms; }

std::vector<std::string> take(Intake& in, std::size_t budget) {
  std::vector<std::string> out;
  in.take(budget, [&](Message&& m) { out.push_back(std::move(m.payload)); });
  return out;
}

TEST(WebhookIntake, TakesOldestFirstAndMarksRequestsTaken) {
  Intake in(10);
  auto a = request({"a1", "a2"}), b = request({"b1"});
  ASSERT_EQ(in.offer(a, soon()), Intake::Offer::queued);
  ASSERT_EQ(in.offer(b, soon()), Intake::Offer::queued);
  EXPECT_EQ(in.queued(), 3u);
  EXPECT_EQ(take(in, 1), (std::vector<std::string>{"a1"}));
  EXPECT_EQ(a->wait_taken(soon()), State::queued);  // in part
  EXPECT_EQ(a->taken(), 1u);
  EXPECT_EQ(take(in, 10), (std::vector<std::string>{"a2", "b1"}));
  EXPECT_EQ(a->wait_taken(std::nullopt), State::taken);
  EXPECT_EQ(b->wait_taken(std::nullopt), State::taken);
  EXPECT_EQ(in.queued(), 0u);
}

TEST(WebhookIntake, AFullQueueRefusesAfterTheDeadlineAndAdmitsOnceRoomIsMade) {
  Intake in(2);
  ASSERT_EQ(in.offer(request({"a", "b"}), soon()), Intake::Offer::queued);
  EXPECT_EQ(in.offer(request({"c"}), soon()), Intake::Offer::full);
  EXPECT_EQ(in.offer(request({"a", "b", "c"}), soon()), Intake::Offer::too_big);
  // A waiting offer gets in as soon as the pipeline takes something.
  std::thread taker([&] {
    std::this_thread::sleep_for(30ms);
    take(in, 1);
  });
  EXPECT_EQ(in.offer(request({"c"}), std::chrono::steady_clock::now() + 10s),
            Intake::Offer::queued);
  taker.join();
  EXPECT_EQ(take(in, 10), (std::vector<std::string>{"b", "c"}));
}

TEST(WebhookIntake, WithdrawsOnlyARequestNothingOfWhichWasTaken) {
  Intake in(10);
  auto a = request({"a1", "a2"}), b = request({"b1"});
  in.offer(a, soon());
  in.offer(b, soon());
  take(in, 1);
  EXPECT_FALSE(in.withdraw(a));  // a1 is in the pipeline: a must finish
  EXPECT_TRUE(in.withdraw(b));
  EXPECT_EQ(b->wait_taken(std::nullopt), State::withdrawn);
  EXPECT_EQ(in.queued(), 1u);
  EXPECT_EQ(take(in, 10), (std::vector<std::string>{"a2"}));
  EXPECT_FALSE(in.withdraw(a));  // already taken
}

TEST(WebhookIntake, StopWithdrawsWhatWaitsAndRefusesMore) {
  Intake in(10);
  auto a = request({"a1", "a2"}), b = request({"b1"});
  in.offer(a, soon());
  in.offer(b, soon());
  take(in, 1);
  EXPECT_EQ(in.stop(), 2u);  // a2 and b1
  EXPECT_EQ(a->wait_taken(std::nullopt), State::withdrawn);
  EXPECT_EQ(a->taken(), 1u);
  EXPECT_EQ(b->wait_taken(std::nullopt), State::withdrawn);
  EXPECT_EQ(in.offer(request({"c"}), soon()), Intake::Offer::stopped);
  EXPECT_TRUE(take(in, 10).empty());
}

TEST(WebhookIntake, AcksSettleTheRequestWithTheWorstOutcome) {
  Intake in(10);
  auto r = request({"good", "bad", "good"});
  r->attach_acks(r);
  in.offer(r, soon());
  std::vector<Message> taken;
  in.take(10, [&](Message&& m) { taken.push_back(std::move(m)); });
  EXPECT_FALSE(r->wait_settled(soon()));  // nothing written yet
  taken[1].ack.fail(AckOutcome::rejected, "out: refused");
  taken.clear();  // the sink lets go of them
  const auto s = r->wait_settled(soon());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->outcome, AckOutcome::rejected);
  EXPECT_EQ(s->error, "out: refused");
}

TEST(WebhookIntake, WithdrawnMessagesSettleAbandonedAndFreeTheirRequest) {
  Intake in(10);
  std::weak_ptr<Request> gone;
  {
    auto r = request({"a"});
    r->attach_acks(r);
    gone = r;
    in.offer(r, soon());
    in.stop();
    const auto s = r->wait_settled(soon());
    ASSERT_TRUE(s);
    EXPECT_EQ(s->outcome, AckOutcome::abandoned);
  }
  EXPECT_TRUE(gone.expired());  // no cycle between a request and its handles is left
  std::weak_ptr<Request> refused;
  {
    auto r = request({"a", "b"});
    r->attach_acks(r);
    refused = r;
    Intake small(1);
    ASSERT_EQ(small.offer(r, soon()), Intake::Offer::too_big);
    r->discard();
  }
  EXPECT_TRUE(refused.expired());
}

}  // namespace
}  // namespace sluice::builtins::webhook
