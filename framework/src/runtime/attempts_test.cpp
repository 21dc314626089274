// Retry, circuit breaker and timeout through the real runtime (README: Failures), on a
// ManualClock: exact attempt times, nothing leaked by failed attempts, and
// every message ending exactly once (out, dead_letter, rejected or dropped).
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/test_stages.hpp"
#include "sluice/pipeline.hpp"

namespace sluice {
namespace {

using testing::attr;
using testing::CountingSource;
using testing::kMs;
using testing::no_jitter;
using testing::settle;
using testing::stage;

/// What a flaky stage does with one attempt: pass, or throw.
enum class Verdict { pass, transient, permanent };

/// Emits a marker copy and the message, then fails as `decide` says; records
/// when each attempt of each message started and what its Context showed.
class Flaky final : public Stage {
 public:
  struct Log {
    std::mutex mu;
    std::map<std::uint64_t, std::vector<Nanos>> starts;  ///< seq -> attempt start times
    std::vector<Nanos> deadlines;
  };
  using Decide = std::function<Verdict(const Message&, std::int64_t attempt)>;

  Flaky(Log& log, Decide decide, Nanos takes = 0, ManualClock* clock = nullptr)
      : log_(log), decide_(std::move(decide)), takes_(takes), clock_(clock) {}

  void process(Message&& m, Emitter& out, Context& ctx) override {
    {
      std::lock_guard lock(log_.mu);
      log_.starts[m.seq].push_back(ctx.now());
      log_.deadlines.push_back(ctx.deadline());
    }
    if (clock_ && takes_ > 0) clock_->advance(takes_);  // the call takes this long
    Message marker = m;
    marker.payload = "marker";
    out.emit(std::move(marker));
    switch (decide_(m, ctx.attempt())) {
      case Verdict::pass:
        break;
      case Verdict::transient:
        throw TransientError("flaky " + std::to_string(ctx.attempt()));
      case Verdict::permanent:
        throw PermanentError("bad input");
    }
    out.emit(std::move(m));
  }

 private:
  Log& log_;
  Decide decide_;
  Nanos takes_;
  ManualClock* clock_;
};

using testing::KeepSink;
using testing::Kept;

/// src -> flaky -> out, with the flaky stage's dead_letter and rejected ports
/// each kept too.
struct Rig {
  ManualClock clock;
  Flaky::Log log;
  Kept out, dead, rejected;
  std::unique_ptr<Pipeline> pipeline;

  void build(std::uint64_t count, NodeOptions options, Flaky::Decide decide, Nanos takes = 0,
             std::size_t threads = 2) {
    Graph g;
    auto src = g.add_source("src", [count] { return std::make_unique<CountingSource>(count); });
    auto flaky = g.add_stage(
        "flaky",
        [this, decide, takes] { return std::make_unique<Flaky>(log, decide, takes, &clock); },
        std::move(options), {"out", "dead_letter", "rejected"});
    g.connect(src, flaky);
    g.connect(flaky, "out", g.add_sink("out", [this] { return std::make_unique<KeepSink>(out); }));
    g.connect(flaky, "dead_letter",
              g.add_sink("dead", [this] { return std::make_unique<KeepSink>(dead); }));
    g.connect(flaky, "rejected",
              g.add_sink("rejected", [this] { return std::make_unique<KeepSink>(rejected); }));
    pipeline =
        std::make_unique<Pipeline>(std::move(g), RunOptions{.threads = threads, .clock = &clock});
  }
  /// Moves the clock to `t` ms and lets the runtime catch up with it.
  void at(Nanos t_ms) {
    clock.set(t_ms * kMs);
    pipeline->fire_due_timers();
  }
  std::vector<Nanos> starts_ms(std::uint64_t seq) {
    std::lock_guard lock(log.mu);
    std::vector<Nanos> ms;
    for (Nanos t : log.starts[seq]) ms.push_back(t / kMs);
    return ms;
  }
  std::size_t attempts(std::uint64_t seq) {
    std::lock_guard lock(log.mu);
    return log.starts[seq].size();
  }
};

// RT-1: attempts at 0, 100, 300, 700, 1500, 2500 ms, then the dead letter.
TEST(Retry, ExhaustsOnTheBackoffScheduleThenDeadLetters) {
  Rig r;
  r.build(1, {.on_error = OnError::dead_letter, .retry = no_jitter(6)},
          [](const Message&, std::int64_t) { return Verdict::transient; });
  r.pipeline->start();
  // Counts attempts from the schedule, not from what was seen before moving
  // the clock: the due attempt may run before the test gets to look.
  const std::vector<Nanos> schedule{0, 100, 300, 700, 1500};
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    r.at(schedule[i]);
    settle([&] { return r.attempts(1) == i + 1 && r.pipeline->pending_timers() >= 1; });
    EXPECT_EQ(r.dead.size(), 0u) << "dead-lettered early, at " << schedule[i] << " ms";
  }
  r.at(2500);
  ASSERT_TRUE(r.pipeline->wait().ok());
  EXPECT_EQ(r.starts_ms(1), (std::vector<Nanos>{0, 100, 300, 700, 1500, 2500}));
  ASSERT_EQ(r.dead.messages.size(), 1u);
  EXPECT_EQ(attr(r.dead.messages[0], "attempts"), "6");
  EXPECT_EQ(attr(r.dead.messages[0], "error"), "flaky 6");
  EXPECT_EQ(r.out.messages.size(), 0u) << "a failed attempt's marker leaked";
  const auto stats = r.pipeline->stats();
  const auto& st = stage(stats, "flaky");
  EXPECT_EQ(st.retries, 5u);
  EXPECT_EQ(st.errors, 6u);
  EXPECT_EQ(st.dead_letter, 1u);
}

// RT-6: fail, fail, succeed: one output set, at 300 ms.
TEST(Retry, SucceedsOnTheThirdAttemptWithOneOutputSet) {
  Rig r;
  r.build(1, {.retry = no_jitter(5)}, [](const Message&, std::int64_t attempt) {
    return attempt < 3 ? Verdict::transient : Verdict::pass;
  });
  r.pipeline->start();
  settle([&] { return r.attempts(1) == 1 && r.pipeline->pending_timers() >= 1; });
  r.at(100);
  settle([&] { return r.attempts(1) == 2 && r.pipeline->pending_timers() >= 1; });
  EXPECT_EQ(r.out.size(), 0u);
  r.at(300);
  ASSERT_TRUE(r.pipeline->wait().ok());
  EXPECT_EQ(r.starts_ms(1), (std::vector<Nanos>{0, 100, 300}));
  ASSERT_EQ(r.out.messages.size(), 2u);  // the marker and the message, once
  EXPECT_EQ(r.out.messages[0].payload, "marker");
  const auto stats = r.pipeline->stats();
  const auto& st = stage(stats, "flaky");
  EXPECT_EQ(st.retries, 2u);
  EXPECT_EQ(st.out, 2u);
}

// RT-7: a permanent failure is not retried: dead-lettered at once, no timer.
TEST(Retry, PermanentFailuresAreNotRetried) {
  Rig r;
  r.build(3, {.on_error = OnError::dead_letter, .retry = no_jitter(5)},
          [](const Message&, std::int64_t) { return Verdict::permanent; });
  ASSERT_TRUE(r.pipeline->run().ok());
  EXPECT_EQ(r.dead.messages.size(), 3u);
  EXPECT_EQ(attr(r.dead.messages[0], "attempts"), "1");
  EXPECT_EQ(stage(r.pipeline->stats(), "flaky").retries, 0u);
}

TEST(Retry, RetryOnAnyRetriesPermanentFailuresToo) {
  Rig r;
  auto policy = no_jitter(3);
  policy.retry_on = RetryOn::any;
  r.build(1, {.on_error = OnError::drop, .retry = policy},
          [](const Message&, std::int64_t) { return Verdict::permanent; });
  r.pipeline->start();
  settle([&] { return r.attempts(1) == 1 && r.pipeline->pending_timers() >= 1; });
  r.at(100);
  settle([&] { return r.attempts(1) == 2 && r.pipeline->pending_timers() >= 1; });
  r.at(300);
  ASSERT_TRUE(r.pipeline->wait().ok());
  EXPECT_EQ(stage(r.pipeline->stats(), "flaky").dropped, 1u);
  EXPECT_EQ(stage(r.pipeline->stats(), "flaky").retries, 2u);
}

// A message in backoff is parked on a timer: the others flow past it.
TEST(Retry, OtherMessagesFlowWhileOneWaits) {
  Rig r;
  r.build(10, {.retry = no_jitter(3)}, [](const Message& m, std::int64_t attempt) {
    return m.seq == 1 && attempt == 1 ? Verdict::transient : Verdict::pass;
  });
  r.pipeline->start();
  // 9 messages and their markers, and the timer of the parked retry.
  settle([&] { return r.out.size() == 18 && r.pipeline->pending_timers() >= 1; });
  EXPECT_EQ(r.pipeline->stats().status, "running") << "it waits for the parked retry";
  r.at(100);
  ASSERT_TRUE(r.pipeline->wait().ok());
  EXPECT_EQ(r.out.messages.back().seq, 1u);
}

// ordered = true: the retry waits in line, so the output keeps input order.
TEST(Retry, OrderedStagesKeepOrderAcrossRetries) {
  Rig r;
  r.build(10, {.ordered = true, .retry = no_jitter(3)}, [](const Message& m, std::int64_t attempt) {
    return m.seq == 4 && attempt == 1 ? Verdict::transient : Verdict::pass;
  });
  r.pipeline->start();
  settle([&] { return r.out.size() == 6 && r.pipeline->pending_timers() >= 1; });
  r.at(100);
  ASSERT_TRUE(r.pipeline->wait().ok());
  std::vector<std::uint64_t> seqs;
  for (const auto& m : r.out.messages) {
    if (m.payload != "marker") seqs.push_back(m.seq);
  }
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
}

// The budget: 20 calls failing for good, 3 attempts each, budget 0.2 with a
// reserve of 2: the reserve, then one retry per 5 calls (the first call's
// deposit is lost to the full reserve): 2 + 3.8 -> 5 retries.
TEST(Retry, BudgetCapsRetriesAtItsShareOfCalls) {
  Rig r;
  auto policy = no_jitter(3);
  policy.initial_backoff = 0;
  policy.budget = 0.2;
  policy.budget_reserve = 2;
  r.build(
      20, {.on_error = OnError::dead_letter, .retry = policy},
      [](const Message&, std::int64_t) { return Verdict::transient; }, 0, 1);
  r.pipeline->start();
  settle([&] { return r.dead.size() == 20; });
  r.pipeline->fire_due_timers();
  ASSERT_TRUE(r.pipeline->wait().ok());
  const auto stats = r.pipeline->stats();
  const auto& st = stage(stats, "flaky");
  EXPECT_EQ(st.retries, 5u);
  EXPECT_EQ(st.dead_letter, 20u);
}

// A breaker (window 4, min 4, rate 0.5) in front of a dead service: four
// calls fail and open it; the rest go to `rejected` at once, uncalled.
TEST(CircuitBreaker, RejectsWhileOpenAndLosesNothing) {
  Rig r;
  auto breaker = std::make_shared<CircuitBreaker>(
      "svc", CircuitBreaker::Config{
                 .window = 4, .min_calls = 4, .open_for = 1000 * kMs, .half_open_calls = 1});
  r.build(50, {.on_error = OnError::dead_letter, .circuit_breaker = breaker},
          [](const Message&, std::int64_t) { return Verdict::transient; });
  ASSERT_TRUE(r.pipeline->run().ok());
  const auto stats = r.pipeline->stats();
  const auto& st = stage(stats, "flaky");
  EXPECT_EQ(st.dead_letter, 4u);
  EXPECT_EQ(st.rejected, 46u);
  EXPECT_EQ(st.in, st.out + st.dead_letter + st.rejected);
  EXPECT_EQ(r.rejected.messages.size(), 46u);
  EXPECT_EQ(attr(r.rejected.messages[0], "error"), "circuit breaker 'svc' is open");
  EXPECT_EQ(attr(r.rejected.messages[0], "attempts"), "0");
  EXPECT_EQ(st.breaker, "svc");
  EXPECT_EQ(st.breaker_state, "open");
  EXPECT_EQ(r.log.starts.size(), 4u) << "the stage was called while the breaker was open";
}

// RT-11: the breaker opens after attempt 2; attempt 3 is rejected, not retried.
TEST(CircuitBreaker, RejectionIsNeverRetried) {
  Rig r;
  auto breaker = std::make_shared<CircuitBreaker>(
      "svc", CircuitBreaker::Config{.window = 2, .min_calls = 2, .open_for = 10'000 * kMs});
  r.build(1, {.retry = no_jitter(5), .circuit_breaker = breaker},
          [](const Message&, std::int64_t) { return Verdict::transient; });
  r.pipeline->start();
  settle([&] { return r.attempts(1) == 1 && r.pipeline->pending_timers() >= 1; });
  r.at(100);
  settle([&] { return r.attempts(1) == 2 && r.pipeline->pending_timers() >= 1; });
  r.at(300);
  ASSERT_TRUE(r.pipeline->wait().ok());
  EXPECT_EQ(r.attempts(1), 2u);
  ASSERT_EQ(r.rejected.messages.size(), 1u);
  EXPECT_EQ(attr(r.rejected.messages[0], "attempts"), "2");
  EXPECT_EQ(stage(r.pipeline->stats(), "flaky").retries, 2u);
}

// An attempt that runs to its limit fails as transient; its output is
// discarded, and the stage saw the deadline.
TEST(Timeout, ASlowAttemptFailsAndItsResultIsDiscarded) {
  Rig r;
  r.build(
      4, {.on_error = OnError::dead_letter, .timeout = 100 * kMs},
      [](const Message&, std::int64_t) { return Verdict::pass; }, 100 * kMs);
  ASSERT_TRUE(r.pipeline->run().ok());
  EXPECT_EQ(r.out.messages.size(), 0u);
  ASSERT_EQ(r.dead.messages.size(), 4u);
  EXPECT_EQ(attr(r.dead.messages[0], "error"), "timed out after 0.1s");
  EXPECT_EQ(r.log.deadlines[0], 100 * kMs) << "Context::deadline is start + timeout";
}

TEST(Timeout, AnAttemptJustInsideTheLimitSucceeds) {
  Rig r;
  r.build(
      4, {.timeout = 100 * kMs}, [](const Message&, std::int64_t) { return Verdict::pass; },
      100 * kMs - 1);
  ASSERT_TRUE(r.pipeline->run().ok());
  EXPECT_EQ(r.out.messages.size(), 8u);
}

// on_error = fail after the retries: the run fails, naming the message.
TEST(Retry, FailAfterRetriesStopsThePipeline) {
  Rig r;
  r.build(0, {.retry = no_jitter(2)}, [](const Message& m, std::int64_t) {
    return m.seq == 3 ? Verdict::transient : Verdict::pass;
  });
  r.pipeline->start();
  settle([&] { return r.attempts(3) == 1 && r.pipeline->pending_timers() >= 1; });
  r.at(100);
  const auto result = r.pipeline->wait();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error.find("flaky 2"), std::string::npos) << result.error;
  EXPECT_TRUE(result.has_error_seq);
  EXPECT_EQ(result.error_seq, 3u);
}

// Stress (run under TSan): workers retrying on real timers through one
// breaker shared by two stages that flips between open, half-open and closed.
// Every message ends exactly once and no failed attempt leaks its marker.
TEST(AttemptsStress, ConcurrentRetriesAndASharedBreakerLoseNothing) {
  static constexpr std::uint64_t kCount = 3000;
  auto breaker =
      std::make_shared<CircuitBreaker>("shared", CircuitBreaker::Config{.failure_rate = 0.5,
                                                                        .window = 50,
                                                                        .min_calls = 20,
                                                                        .open_for = 2 * kMs,
                                                                        .half_open_calls = 3});
  const NodeOptions options{.workers = 3,
                            .on_error = OnError::dead_letter,
                            .retry = {.max_attempts = 3,
                                      .initial_backoff = 50'000,
                                      .max_backoff = kMs,
                                      .jitter = Jitter::full},
                            .circuit_breaker = breaker};
  // About 45% of attempts fail, so the breaker keeps opening and closing.
  const Flaky::Decide decide = [](const Message& m, std::int64_t attempt) {
    const std::uint64_t h = (m.seq * 2654435761ULL) ^ (static_cast<std::uint64_t>(attempt) * 40503);
    return h % 100 < 45 ? Verdict::transient : Verdict::pass;
  };
  Flaky::Log log_a, log_b;
  Kept out, dead, rejected;
  Graph g;
  auto keep = [&g](const char* name, Kept& into) {
    return g.add_sink(name, [&into] { return std::make_unique<KeepSink>(into); });
  };
  auto out_id = keep("out", out);
  auto dead_id = keep("dead", dead);
  auto rejected_id = keep("rejected", rejected);
  for (auto* log : {&log_a, &log_b}) {
    const std::string name = log == &log_a ? "a" : "b";
    auto src = g.add_source("src_" + name, [] { return std::make_unique<CountingSource>(kCount); });
    auto stage_id =
        g.add_stage(name, [log, decide] { return std::make_unique<Flaky>(*log, decide); }, options,
                    {"out", "dead_letter", "rejected"});
    g.connect(src, stage_id, {.capacity = 64});
    g.connect(stage_id, "out", out_id);
    g.connect(stage_id, "dead_letter", dead_id);
    g.connect(stage_id, "rejected", rejected_id);
  }
  Pipeline p(std::move(g), {.threads = 2, .batch = 16});
  ASSERT_TRUE(p.run().ok());
  const auto stats = p.stats();
  std::uint64_t retries = 0;
  for (const char* name : {"a", "b"}) {
    const auto& st = stage(stats, name);
    EXPECT_EQ(st.in, kCount);
    EXPECT_EQ(st.in * 2, st.out + 2 * (st.dead_letter + st.rejected))
        << name << ": every message passed (with its marker), dead-lettered or rejected";
    EXPECT_EQ(st.abandoned, 0u);
    retries += st.retries;
  }
  EXPECT_GT(retries, 0u);
  EXPECT_GT(breaker->transitions(), 0u) << "the breaker never moved";
  // Each seq passes at most once per stage (two stages count the same seqs).
  std::map<std::uint64_t, int> passed;
  std::size_t markers = 0;
  for (const auto& m : out.messages) {
    if (m.payload == "marker") {
      ++markers;
    } else {
      EXPECT_LE(++passed[m.seq], 2) << "seq " << m.seq << " delivered twice";
    }
  }
  EXPECT_EQ(markers * 2, out.messages.size()) << "a failed attempt's marker leaked";
  EXPECT_EQ(markers + dead.messages.size() + rejected.messages.size(), 2 * kCount);
}

}  // namespace
}  // namespace sluice
