// The token bucket against worked numbers (cases RL-1 to RL-7).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "sluice/limits.hpp"

namespace sluice {
namespace {

constexpr Nanos kMs = 1'000'000;

RateLimiter limiter(double rate, std::int64_t burst,
                    RateLimiter::Mode mode = RateLimiter::Mode::delay,
                    Nanos max_wait = RateLimiter::kForever, std::int64_t initial = -1) {
  return RateLimiter({.rate = rate,
                      .per = kNanosPerSecond,
                      .burst = burst,
                      .initial_tokens = initial,
                      .max_wait = max_wait,
                      .mode = mode},
                     0);
}

// RL-1: burst then steady.
TEST(RateLimiter, BurstThenSteady) {
  auto rl = limiter(10, 5);
  for (int k = 1; k <= 20; ++k) {
    const auto g = rl.acquire(0);
    ASSERT_TRUE(g.granted());
    EXPECT_EQ(g.at, k <= 5 ? 0 : (k - 5) * 100 * kMs) << "message " << k;
  }
  EXPECT_DOUBLE_EQ(rl.tokens_at(0), -15);
  EXPECT_DOUBLE_EQ(rl.tokens_at(1500 * kMs), 0);
}

// RL-2: the refill stops at burst.
TEST(RateLimiter, RefillCapsAtBurst) {
  auto rl = limiter(10, 5);
  for (int k = 0; k < 5; ++k) ASSERT_EQ(rl.acquire(0).at, 0);
  const Nanos t = 10 * kNanosPerSecond;
  EXPECT_DOUBLE_EQ(rl.tokens_at(t), 5);
  std::vector<Nanos> at;
  for (int k = 0; k < 8; ++k) at.push_back(rl.acquire(t).at - t);
  EXPECT_EQ(at, (std::vector<Nanos>{0, 0, 0, 0, 0, 100 * kMs, 200 * kMs, 300 * kMs}));
}

// RL-3: drop mode passes one per token.
TEST(RateLimiter, DropModeRejectsWithoutChangingState) {
  auto rl = limiter(10, 1, RateLimiter::Mode::drop);
  int passed = 0, rejected = 0;
  for (Nanos t : {Nanos{0}, 100 * kMs, 200 * kMs}) {
    for (int k = 0; k < 3; ++k) {
      const auto g = rl.acquire(t);
      if (g.granted()) {
        ++passed;
        EXPECT_EQ(g.at, t);
      } else {
        ++rejected;
        EXPECT_EQ(g.outcome, RateLimiter::Outcome::rejected_drop);
      }
    }
  }
  EXPECT_EQ(passed, 3);
  EXPECT_EQ(rejected, 6);
}

// RL-4: max_wait, and a rejection leaves the state as it was.
TEST(RateLimiter, MaxWait) {
  auto rl = limiter(10, 2, RateLimiter::Mode::delay, 100 * kMs);
  EXPECT_EQ(rl.acquire(0).at, 0);
  EXPECT_EQ(rl.acquire(0).at, 0);
  EXPECT_EQ(rl.acquire(0).at, 100 * kMs);
  EXPECT_EQ(rl.acquire(0).outcome, RateLimiter::Outcome::rejected_max_wait);
  const auto g = rl.acquire(100 * kMs);
  ASSERT_TRUE(g.granted());
  EXPECT_EQ(g.at, 200 * kMs);
}

// RL-5: one bucket shared by two stages interleaving.
TEST(RateLimiter, SharedAcrossCallersKeepsTheCombinedRate) {
  auto rl = limiter(10, 1);
  for (int k = 1; k <= 10; ++k) {
    EXPECT_EQ(rl.acquire(0).at, (2 * k - 2) * 100 * kMs) << "A" << k;
    EXPECT_EQ(rl.acquire(0).at, (2 * k - 1) * 100 * kMs) << "B" << k;
  }
}

// RL-6: initial tokens and a zero rate.
TEST(RateLimiter, InitialTokensAndZeroRate) {
  auto empty = limiter(10, 5, RateLimiter::Mode::delay, RateLimiter::kForever, 0);
  EXPECT_EQ(empty.acquire(0).at, 100 * kMs);
  EXPECT_EQ(empty.acquire(0).at, 200 * kMs);
  EXPECT_EQ(empty.acquire(0).at, 300 * kMs);
  auto zero = limiter(0, 1);
  EXPECT_TRUE(zero.acquire(0).granted());
  EXPECT_EQ(zero.acquire(0).outcome, RateLimiter::Outcome::rejected_rate_zero);
  EXPECT_EQ(limiter(10, 5).acquire(0, 6).outcome, RateLimiter::Outcome::rejected_over_burst);
}

// RL-7: the clock stepping back neither refills nor stalls.
TEST(RateLimiter, ClockGoingBackwards) {
  auto rl = limiter(10, 3, RateLimiter::Mode::drop);
  EXPECT_TRUE(rl.acquire(100 * kMs).granted());
  EXPECT_TRUE(rl.acquire(0).granted());
  EXPECT_TRUE(rl.acquire(0).granted());
  EXPECT_FALSE(rl.acquire(0).granted());
  EXPECT_FALSE(rl.acquire(0).granted());
  EXPECT_TRUE(rl.acquire(100 * kMs).granted());
  EXPECT_FALSE(rl.acquire(100 * kMs).granted());
  EXPECT_FALSE(rl.acquire(100 * kMs).granted());
  EXPECT_TRUE(rl.acquire(200 * kMs).granted());
}

// I-RL-1 / I-RL-5: 8 threads hammering one bucket while a fake clock steps
// 1 ms at a time for 5 s never get more than burst + rate * T, and get
// nearly all of it when they offer more than the rate.
TEST(RateLimiter, StressNeverExceedsTheBound) {
  ManualClock clock;
  RateLimiter rl({.rate = 1000, .burst = 10, .mode = RateLimiter::Mode::drop}, clock.now());
  std::atomic<std::uint64_t> granted{0}, attempts{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      while (!done.load()) {
        if (rl.acquire(clock).granted()) ++granted;
        ++attempts;
      }
    });
  }
  for (int ms = 0; ms < 5000; ++ms) {
    const auto seen = attempts.load();
    while (attempts.load() < seen + 32) std::this_thread::yield();  // every thread had a go
    clock.advance(kMs);
  }
  const auto seen = attempts.load();
  while (attempts.load() < seen + 32) std::this_thread::yield();
  done = true;
  for (auto& th : threads) th.join();
  EXPECT_LE(granted.load(), 10u + 5000u);
  EXPECT_GE(static_cast<double>(granted.load()), 0.99 * 5010);
}

}  // namespace
}  // namespace sluice
