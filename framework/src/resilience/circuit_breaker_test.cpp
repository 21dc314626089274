// The circuit breaker against worked numbers (cases CB-1 to CB-14, checked
// against resilience4j and gobreaker where they agree), with sluice's
// half-open rule: one failed probe reopens it.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sluice/resilience.hpp"

namespace sluice {
namespace {

using State = CircuitBreaker::State;
using Transition = CircuitBreaker::Transition;

constexpr Nanos kS = kNanosPerSecond;
constexpr Nanos ms(std::int64_t n) { return from_millis(n); }

constexpr bool kFail = true;
constexpr bool kSucceed = false;

/// A call that starts at `start`, ends at `end` with `failed`; false if rejected.
bool call(CircuitBreaker& cb, Nanos start, Nanos end, bool failed,
          std::optional<Transition>* changed = nullptr) {
  const auto permit = cb.try_acquire(start);
  if (!permit.admitted) return false;
  cb.record(permit, failed, start, end, changed);
  return true;
}

bool call_at(CircuitBreaker& cb, Nanos t, bool failed,
             std::optional<Transition>* changed = nullptr) {
  return call(cb, t, t, failed, changed);
}

void expect_transition(const std::optional<Transition>& t, State from, State to,
                       double failure_rate, std::int64_t calls) {
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->from, from);
  EXPECT_EQ(t->to, to);
  EXPECT_DOUBLE_EQ(t->failure_rate, failure_rate);
  EXPECT_EQ(t->calls, calls);
}

/// Fails calls at 1 ms steps from `t` until the breaker opens; returns the time it opened.
Nanos trip(CircuitBreaker& cb, Nanos t) {
  while (cb.state() == State::closed) {
    t += ms(1);
    EXPECT_TRUE(call_at(cb, t, kFail));
  }
  return t;
}

TEST(CircuitBreaker, StateNames) {
  EXPECT_EQ(to_string(State::closed), "closed");
  EXPECT_EQ(to_string(State::open), "open");
  EXPECT_EQ(to_string(State::half_open), "half_open");
}

TEST(CircuitBreaker, RejectsInvalidConfig) {
  using Config = CircuitBreaker::Config;
  EXPECT_THROW(CircuitBreaker("x", Config{.failure_rate = 0}), std::invalid_argument);
  EXPECT_THROW(CircuitBreaker("x", Config{.failure_rate = 1.5}), std::invalid_argument);
  EXPECT_THROW(CircuitBreaker("x", Config{.window = 0}), std::invalid_argument);
  EXPECT_THROW(CircuitBreaker("x", Config{.window_time = ms(1500)}), std::invalid_argument);
  EXPECT_THROW(CircuitBreaker("x", Config{.min_calls = 0}), std::invalid_argument);
  EXPECT_THROW(CircuitBreaker("x", Config{.slow_call_rate = 0}), std::invalid_argument);
  EXPECT_THROW(CircuitBreaker("x", Config{.half_open_calls = 0}), std::invalid_argument);
  EXPECT_NO_THROW(CircuitBreaker("x", Config{.window = 0, .window_time = 2 * kS}));
}

// CB-1: a whole cycle (closed, open, half-open, closed) at its exact boundaries.
TEST(CircuitBreaker, OpensProbesAndClosesAtExactBoundaries) {
  CircuitBreaker cb(
      "cb1",
      {.failure_rate = 0.5, .window = 10, .min_calls = 10, .open_for = kS, .half_open_calls = 3});
  std::optional<Transition> changed;
  for (int i = 1; i <= 10; ++i) {
    const auto p = cb.try_acquire(ms(i));
    ASSERT_TRUE(p.admitted);
    EXPECT_EQ(p.state, State::closed);
    cb.record(p, i % 2 == 1, ms(i), ms(i), &changed);
    if (i < 10) {
      EXPECT_FALSE(changed.has_value()) << "call " << i;
      EXPECT_EQ(cb.state(), State::closed);
      EXPECT_EQ(cb.failure_rate(), -1);
    }
  }
  expect_transition(changed, State::closed, State::open, 0.5, 10);
  EXPECT_EQ(cb.state(), State::open);
  EXPECT_DOUBLE_EQ(cb.failure_rate(), 0.5);

  // Open until 1010 ms inclusive.
  for (Nanos t = ms(100); t <= ms(1000); t += ms(100)) {
    const auto p = cb.try_acquire(t);
    EXPECT_FALSE(p.admitted);
    EXPECT_EQ(p.state, State::open);
  }
  EXPECT_FALSE(cb.try_acquire(ms(1010), &changed).admitted);
  EXPECT_FALSE(changed.has_value());
  EXPECT_EQ(cb.rejected(), 11u);

  const auto probe1 = cb.try_acquire(ms(1011), &changed);
  ASSERT_TRUE(probe1.admitted);
  EXPECT_EQ(probe1.state, State::half_open);
  expect_transition(changed, State::open, State::half_open, -1, 0);
  const auto probe2 = cb.try_acquire(ms(1012), &changed);
  const auto probe3 = cb.try_acquire(ms(1013), &changed);
  ASSERT_TRUE(probe2.admitted);
  ASSERT_TRUE(probe3.admitted);
  EXPECT_FALSE(changed.has_value());
  const auto excess = cb.try_acquire(ms(1014));
  EXPECT_FALSE(excess.admitted);
  EXPECT_EQ(excess.state, State::half_open);
  EXPECT_EQ(cb.rejected(), 12u);

  cb.record(probe1, kSucceed, ms(1011), ms(1061), &changed);
  cb.record(probe2, kSucceed, ms(1012), ms(1062), &changed);
  EXPECT_FALSE(changed.has_value());
  EXPECT_EQ(cb.state(), State::half_open);
  cb.record(probe3, kSucceed, ms(1013), ms(1063), &changed);
  expect_transition(changed, State::half_open, State::closed, 0.0, 3);
  EXPECT_EQ(cb.state(), State::closed);
  EXPECT_EQ(cb.buffered_calls(), 0);
  EXPECT_EQ(cb.failure_rate(), -1);

  EXPECT_TRUE(cb.try_acquire(ms(1064)).admitted);
  EXPECT_EQ(cb.transitions(), 3u);
  EXPECT_EQ(cb.late_results(), 0u);
}

// CB-2: the count window slides.
TEST(CircuitBreaker, CountWindowSlides) {
  CircuitBreaker cb("cb2", {.failure_rate = 0.5, .window = 10, .min_calls = 10});
  Nanos t = 0;
  for (int i = 0; i < 6; ++i) call_at(cb, t += ms(1), kSucceed);
  for (int i = 0; i < 4; ++i) call_at(cb, t += ms(1), kFail);
  EXPECT_EQ(cb.state(), State::closed);
  EXPECT_DOUBLE_EQ(cb.failure_rate(), 0.4);
  EXPECT_EQ(cb.buffered_calls(), 10);

  std::optional<Transition> changed;
  call_at(cb, t += ms(1), kFail, &changed);  // the window is now calls 2..11: S x5, F x5
  expect_transition(changed, State::closed, State::open, 0.5, 10);
  EXPECT_EQ(cb.buffered_calls(), 10);
}

// CB-3: below the minimum number of calls it never opens.
TEST(CircuitBreaker, WaitsForMinimumCalls) {
  CircuitBreaker cb("cb3", {.failure_rate = 0.5, .window = 10, .min_calls = 10});
  Nanos t = 0;
  for (int i = 0; i < 9; ++i) call_at(cb, t += ms(1), kFail);
  EXPECT_EQ(cb.state(), State::closed);
  EXPECT_EQ(cb.failure_rate(), -1);
  EXPECT_EQ(cb.buffered_calls(), 9);
  call_at(cb, t += ms(1), kFail);
  EXPECT_EQ(cb.state(), State::open);
}

// CB-3: a count window caps the minimum at its size.
TEST(CircuitBreaker, CountWindowCapsMinimumCalls) {
  CircuitBreaker cb("cb3b", {.failure_rate = 0.5, .window = 5, .min_calls = 100});
  Nanos t = 0;
  for (int i = 0; i < 4; ++i) call_at(cb, t += ms(1), kFail);
  EXPECT_EQ(cb.state(), State::closed);
  call_at(cb, t += ms(1), kFail);
  EXPECT_EQ(cb.state(), State::open);
}

// A time window has no size in calls, so its minimum is not capped.
TEST(CircuitBreaker, TimeWindowKeepsMinimumCalls) {
  CircuitBreaker cb("tw",
                    {.failure_rate = 0.5, .window = 5, .window_time = 20 * kS, .min_calls = 6});
  Nanos t = 0;
  for (int i = 0; i < 5; ++i) call_at(cb, t += ms(1), kFail);
  EXPECT_EQ(cb.state(), State::closed);
  call_at(cb, t += ms(1), kFail);
  EXPECT_EQ(cb.state(), State::open);
}

// CB-4: resilience4j's shouldOpenAfterFailureRateThresholdExceeded.
TEST(CircuitBreaker, TimeWindowOpensAtFailureRate) {
  CircuitBreaker cb("cb4", {.failure_rate = 0.5, .window_time = 20 * kS, .min_calls = 5});
  std::optional<Transition> changed;
  Nanos t = 0;
  for (bool failed : {kFail, kFail, kFail, kSucceed, kSucceed}) {
    ASSERT_TRUE(call_at(cb, t += ms(100), failed, &changed));
  }
  expect_transition(changed, State::closed, State::open, 0.6, 5);
  EXPECT_EQ(cb.state(), State::open);
  EXPECT_DOUBLE_EQ(cb.failure_rate(), 0.6);
  EXPECT_EQ(cb.buffered_calls(), 5);
  EXPECT_FALSE(cb.try_acquire(t += ms(100)).admitted);
  EXPECT_EQ(cb.rejected(), 1u);
}

// CB-5 (b) under sluice's rule: the one failure among four probes reopens it,
// where resilience4j's rate policy (25% < 50%) would have closed it.
TEST(CircuitBreaker, OneFailedProbeReopens) {
  CircuitBreaker cb(
      "cb5",
      {.failure_rate = 0.5, .window = 4, .min_calls = 4, .open_for = kS, .half_open_calls = 4});
  const Nanos opened = trip(cb, 0);
  const Nanos probing = opened + kS + 1;
  std::vector<CircuitBreaker::Permit> probes;
  for (int i = 0; i < 4; ++i) probes.push_back(cb.try_acquire(probing));
  for (const auto& p : probes) ASSERT_TRUE(p.admitted);

  std::optional<Transition> changed;
  for (int i = 0; i < 3; ++i) cb.record(probes[i], kSucceed, probing, probing, &changed);
  EXPECT_FALSE(changed.has_value());
  cb.record(probes[3], kFail, probing, probing, &changed);
  expect_transition(changed, State::half_open, State::open, 0.25, 4);
  EXPECT_EQ(cb.state(), State::open);
  EXPECT_FALSE(cb.try_acquire(probing + kS).admitted);  // open_until = probing + 1 s
  EXPECT_TRUE(cb.try_acquire(probing + kS + 1).admitted);
}

// CB-5 (c): all probes succeed but too many are slow.
TEST(CircuitBreaker, SlowProbesReopen) {
  CircuitBreaker cb("cb5c", {.failure_rate = 0.5,
                             .window = 4,
                             .min_calls = 4,
                             .slow_call = 4 * kS,
                             .slow_call_rate = 0.5,
                             .open_for = kS,
                             .half_open_calls = 4});
  const Nanos probing = trip(cb, 0) + kS + 1;
  std::optional<Transition> changed;
  for (Nanos duration : {5 * kS, 5 * kS, 5 * kS, kS}) {
    ASSERT_TRUE(call(cb, probing, probing + duration, kSucceed, &changed));
  }
  expect_transition(changed, State::half_open, State::open, 0.0, 4);

  // A quarter slow is under the threshold: closed.
  const Nanos again = probing + 5 * kS + kS + 1;
  for (Nanos duration : {5 * kS, kS, kS, kS}) {
    ASSERT_TRUE(call(cb, again, again + duration, kSucceed, &changed));
  }
  expect_transition(changed, State::half_open, State::closed, 0.0, 4);
}

// CB-6: gobreaker's custom breaker, and the probes still in flight when one fails.
TEST(CircuitBreaker, ProbesAfterAFailedProbeAreLate) {
  CircuitBreaker cb(
      "cb6",
      {.failure_rate = 0.5, .window = 4, .min_calls = 4, .open_for = kS, .half_open_calls = 3});
  Nanos t = trip(cb, 0) + kS + 1;
  std::optional<Transition> changed;
  EXPECT_TRUE(call_at(cb, t, kSucceed));
  EXPECT_TRUE(call_at(cb, t, kSucceed));
  EXPECT_TRUE(call_at(cb, t, kFail, &changed));
  expect_transition(changed, State::half_open, State::open, 1.0 / 3.0, 3);

  t += kS + 1;
  EXPECT_TRUE(call_at(cb, t, kSucceed));
  EXPECT_TRUE(call_at(cb, t, kSucceed));
  EXPECT_TRUE(call_at(cb, t, kSucceed, &changed));
  expect_transition(changed, State::half_open, State::closed, 0.0, 3);

  // Probe 2 fails while probes 1 and 3 are in flight.
  t = trip(cb, t) + kS + 1;
  const auto probe1 = cb.try_acquire(t);
  const auto probe2 = cb.try_acquire(t + 1);
  const auto probe3 = cb.try_acquire(t + 2);
  ASSERT_TRUE(probe1.admitted && probe2.admitted && probe3.admitted);
  cb.record(probe2, kFail, t + 1, t + ms(10), &changed);
  expect_transition(changed, State::half_open, State::open, 1.0, 1);
  const auto transitions = cb.transitions();
  cb.record(probe1, kSucceed, t, t + ms(20), &changed);
  EXPECT_FALSE(changed.has_value());
  cb.record(probe3, kSucceed, t + 2, t + ms(30), &changed);
  EXPECT_FALSE(changed.has_value());
  EXPECT_EQ(cb.late_results(), 2u);
  EXPECT_EQ(cb.state(), State::open);
  EXPECT_EQ(cb.transitions(), transitions);
}

// CB-7: slow successes trip a closed breaker.
TEST(CircuitBreaker, SlowCallsOpen) {
  const CircuitBreaker::Config config{.failure_rate = 0.5,
                                      .window_time = 20 * kS,
                                      .min_calls = 5,
                                      .slow_call = 4 * kS,
                                      .slow_call_rate = 0.5};
  CircuitBreaker cb("cb7", config);
  std::optional<Transition> changed;
  Nanos start = 0;
  for (Nanos duration : {5 * kS, 5 * kS, 5 * kS, kS, kS}) {
    ASSERT_TRUE(call(cb, start, start + duration, kSucceed, &changed));
    start += duration;
  }
  expect_transition(changed, State::closed, State::open, 0.0, 5);
}

// CB-7: slow means strictly longer than slow_call.
TEST(CircuitBreaker, SlowIsStrictlyLonger) {
  const CircuitBreaker::Config config{
      .window = 1, .min_calls = 1, .slow_call = 4 * kS, .slow_call_rate = 1.0};
  CircuitBreaker exact("exact", config);
  call(exact, 0, 4 * kS, kSucceed);
  EXPECT_EQ(exact.state(), State::closed);
  CircuitBreaker longer("longer", config);
  call(longer, 0, 4 * kS + 1, kSucceed);
  EXPECT_EQ(longer.state(), State::open);
}

// Without slow_call nothing is slow, however long it takes.
TEST(CircuitBreaker, NoSlowCallsWhenDisabled) {
  CircuitBreaker cb("noslow", {.window = 1, .min_calls = 1, .slow_call_rate = 1.0});
  call(cb, 0, 3600 * kS, kSucceed);
  EXPECT_EQ(cb.state(), State::closed);
}

// CB-8: whole-second buckets leave the time window. (The reference calls
// F,S,S,F,F 40%; it is 60%, still under 70%.)
TEST(CircuitBreaker, TimeWindowEvictsOldBuckets) {
  CircuitBreaker cb("cb8", {.failure_rate = 0.7, .window_time = 5 * kS, .min_calls = 3});
  call_at(cb, 0, kFail);
  call_at(cb, ms(100), kSucceed);
  call_at(cb, ms(800), kSucceed);
  call_at(cb, ms(4900), kFail);
  call_at(cb, ms(4950), kFail);
  EXPECT_EQ(cb.state(), State::closed);
  EXPECT_EQ(cb.buffered_calls(), 5);
  EXPECT_DOUBLE_EQ(cb.failure_rate(), 0.6);

  const auto p = cb.try_acquire(5 * kS);  // bucket 5 >= 0 + 5: bucket 0 leaves
  ASSERT_TRUE(p.admitted);
  EXPECT_EQ(cb.buffered_calls(), 2);
  std::optional<Transition> changed;
  cb.record(p, kFail, 5 * kS, 5 * kS, &changed);
  expect_transition(changed, State::closed, State::open, 1.0, 3);
}

// A clock reading behind the newest bucket neither revives evicted calls nor
// lands in an evicted bucket.
TEST(CircuitBreaker, TimeWindowToleratesOutOfOrderResults) {
  CircuitBreaker cb("order", {.failure_rate = 1.0, .window_time = 2 * kS, .min_calls = 2});
  call_at(cb, 0, kFail);
  call_at(cb, 5 * kS, kSucceed);
  EXPECT_EQ(cb.buffered_calls(), 1);
  call_at(cb, ms(500), kFail);  // read before the last result: joins second 5
  EXPECT_EQ(cb.buffered_calls(), 2);
  EXPECT_DOUBLE_EQ(cb.failure_rate(), 0.5);
  call_at(cb, 7 * kS, kSucceed);  // second 5 leaves
  EXPECT_EQ(cb.buffered_calls(), 1);
}

// CB-10: gobreaker's TestGeneration, then a failed half-open round and a
// second full cycle.
TEST(CircuitBreaker, ResultFromBeforeOpenIsLate) {
  CircuitBreaker cb(
      "cb10",
      {.failure_rate = 0.5, .window = 4, .min_calls = 4, .open_for = kS, .half_open_calls = 2});
  const auto a = cb.try_acquire(0);
  ASSERT_TRUE(a.admitted);
  std::optional<Transition> changed;
  for (bool failed : {kFail, kFail, kSucceed, kSucceed}) {
    ASSERT_TRUE(call_at(cb, ms(100), failed, &changed));
  }
  expect_transition(changed, State::closed, State::open, 0.5, 4);

  cb.record(a, kSucceed, 0, 2 * kS, &changed);
  EXPECT_FALSE(changed.has_value());
  EXPECT_EQ(cb.late_results(), 1u);
  EXPECT_EQ(cb.state(), State::open);
  EXPECT_EQ(cb.buffered_calls(), 4);
  EXPECT_DOUBLE_EQ(cb.failure_rate(), 0.5);

  // Half open at 2.1 s; its first probe fails.
  EXPECT_TRUE(call_at(cb, ms(2100), kFail, &changed));
  expect_transition(changed, State::half_open, State::open, 1.0, 1);
  EXPECT_FALSE(cb.try_acquire(ms(3100)).admitted);

  // Half open again just after 3.1 s; both probes succeed.
  const Nanos probing = ms(3100) + 1;
  EXPECT_TRUE(call_at(cb, probing, kSucceed));
  EXPECT_TRUE(call_at(cb, probing, kSucceed, &changed));
  expect_transition(changed, State::half_open, State::closed, 0.0, 2);
  EXPECT_EQ(cb.buffered_calls(), 0);

  // The second cycle starts from an empty window.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(call_at(cb, ms(4000) + i, kFail));
  EXPECT_EQ(cb.state(), State::closed);
  ASSERT_TRUE(call_at(cb, ms(4000) + 3, kFail, &changed));
  expect_transition(changed, State::closed, State::open, 1.0, 4);
  EXPECT_FALSE(cb.try_acquire(ms(5000) + 3).admitted);
  EXPECT_TRUE(call_at(cb, ms(5000) + 4, kSucceed));
  EXPECT_TRUE(call_at(cb, ms(5000) + 4, kSucceed, &changed));
  expect_transition(changed, State::half_open, State::closed, 0.0, 2);

  // C->O, O->H, H->O, O->H, H->C, C->O, O->H, H->C.
  EXPECT_EQ(cb.transitions(), 8u);
  EXPECT_EQ(cb.rejected(), 2u);
  EXPECT_EQ(cb.late_results(), 1u);
}

// A rejected permit has nothing to record.
TEST(CircuitBreaker, RecordingARejectionChangesNothing) {
  CircuitBreaker cb("rej", {.window = 1, .min_calls = 1, .open_for = kS, .half_open_calls = 1});
  call_at(cb, 0, kFail);
  const auto rejected = cb.try_acquire(1);
  ASSERT_FALSE(rejected.admitted);
  cb.record(rejected, kFail, 1, 1);
  EXPECT_EQ(cb.late_results(), 0u);
  EXPECT_EQ(cb.transitions(), 1u);
  EXPECT_EQ(cb.state(), State::open);
}

// A probe that never ran gives its slot back; other permits hold none.
TEST(CircuitBreaker, ReleaseFreesAProbeSlot) {
  CircuitBreaker cb("release", {.window = 1, .min_calls = 1, .open_for = kS, .half_open_calls = 1});
  const auto closed_call = cb.try_acquire(0);
  cb.release(closed_call);  // nothing to give back while closed
  cb.record(closed_call, kFail, 0, 0);
  ASSERT_EQ(cb.state(), State::open);

  const auto probe = cb.try_acquire(kS + 1);
  ASSERT_TRUE(probe.admitted);
  EXPECT_FALSE(cb.try_acquire(kS + 2).admitted);
  cb.release(probe);
  const auto next_probe = cb.try_acquire(kS + 3);
  ASSERT_TRUE(next_probe.admitted);
  EXPECT_FALSE(cb.try_acquire(kS + 4).admitted);

  std::optional<Transition> changed;
  cb.record(next_probe, kSucceed, kS + 3, kS + 5, &changed);
  expect_transition(changed, State::half_open, State::closed, 0.0, 1);
  cb.release(next_probe);  // from an older generation: changes nothing
  EXPECT_EQ(cb.late_results(), 0u);
  EXPECT_EQ(cb.rejected(), 2u);
}

// CB-14 on a shared fake clock. Each thread keeps a few calls in flight, and
// gives some back unmade. Whatever the interleaving: every call is admitted
// or rejected once, a half-open round admits at most half_open_calls probes
// plus the ones given back, nothing is admitted while open, and every
// transition is reported exactly once.
TEST(CircuitBreaker, ConcurrentCallsKeepTheInvariants) {
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 20000;
  constexpr std::size_t kInFlight = 3;
  constexpr std::int64_t kProbes = 3;
  constexpr Nanos kTick = from_micros(1);
  CircuitBreaker cb("stress", {.failure_rate = 0.5,
                               .window = 20,
                               .min_calls = 10,
                               .open_for = ms(2),
                               .half_open_calls = kProbes});
  std::atomic<Nanos> clock{0};
  // Sick for 5 ms, healthy for 5 ms, and so on: the breaker keeps cycling.
  const auto sick = [](Nanos start) { return (start / ms(5)) % 2 == 0; };
  const auto unmade = [](Nanos start) { return (start / kTick) % 11 == 0; };

  struct Call {
    Nanos start{0};
    CircuitBreaker::Permit permit;
    bool released{false};
    std::optional<Transition> acquired, recorded;
  };
  std::vector<std::vector<Call>> calls(kThreads);
  std::vector<std::thread> threads;
  for (int k = 0; k < kThreads; ++k) {
    calls[k].reserve(kCallsPerThread);  // no reallocation: `finish` keeps references
    threads.emplace_back([&, k] {
      std::vector<std::size_t> in_flight;
      const auto finish = [&] {
        Call& c = calls[k][in_flight.front()];
        in_flight.erase(in_flight.begin());
        const Nanos end = clock.fetch_add(kTick);
        if (unmade(c.start)) {
          cb.release(c.permit);
          c.released = true;
        } else {
          cb.record(c.permit, sick(c.start), c.start, end, &c.recorded);
        }
      };
      for (int i = 0; i < kCallsPerThread; ++i) {
        Call& c = calls[k].emplace_back();
        c.start = clock.fetch_add(kTick);
        c.permit = cb.try_acquire(c.start, &c.acquired);
        if (c.permit.admitted) in_flight.push_back(calls[k].size() - 1);
        if (in_flight.size() > kInFlight) finish();
      }
      while (!in_flight.empty()) finish();
    });
  }
  for (auto& t : threads) t.join();

  std::uint64_t admitted = 0, rejected = 0, reported_transitions = 0;
  std::map<std::uint64_t, State> state_of_generation;
  std::map<std::uint64_t, std::int64_t> probes_of_generation, released_of_generation;
  const auto valid = [](const Transition& t) {
    return (t.from == State::closed && t.to == State::open) ||
           (t.from == State::open && t.to == State::half_open) ||
           (t.from == State::half_open && t.to != State::half_open);
  };
  for (const auto& thread_calls : calls) {
    std::uint64_t last_generation = 0;
    for (const Call& c : thread_calls) {
      const auto& p = c.permit;
      ++(p.admitted ? admitted : rejected);
      EXPECT_GE(p.generation, last_generation);  // a thread's calls are ordered
      last_generation = p.generation;
      if (p.admitted) {
        EXPECT_NE(p.state, State::open);
      } else {
        EXPECT_NE(p.state, State::closed);
      }
      // A generation is one stay in one state.
      const auto it = state_of_generation.emplace(p.generation, p.state).first;
      EXPECT_EQ(it->second, p.state) << "generation " << p.generation;
      if (p.admitted && p.state == State::half_open) {
        ++probes_of_generation[p.generation];
        if (c.released) ++released_of_generation[p.generation];
      }
      for (const auto& t : {c.acquired, c.recorded}) {
        if (!t) continue;
        ++reported_transitions;
        EXPECT_TRUE(valid(*t));
      }
    }
  }
  EXPECT_EQ(admitted + rejected, std::uint64_t{kThreads} * kCallsPerThread);
  EXPECT_EQ(rejected, cb.rejected());
  EXPECT_EQ(reported_transitions, cb.transitions());
  EXPECT_LE(cb.late_results(), admitted);
  for (const auto& [generation, probes] : probes_of_generation) {
    EXPECT_LE(probes, kProbes + released_of_generation[generation]) << "generation " << generation;
  }
  // The first 5 ms fail throughout, so it opened and, 2 ms later, probed.
  EXPECT_GE(cb.transitions(), 2u);
  EXPECT_FALSE(probes_of_generation.empty());
}

}  // namespace
}  // namespace sluice
