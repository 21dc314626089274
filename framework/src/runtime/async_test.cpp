// Async stages and sinks (sluice/async.hpp) through the real runtime, on a
// ManualClock: the test plays the remote service and completes the calls
// from its own thread, in the order it chooses.
#include "sluice/async.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/test_stages.hpp"
#include "sluice/pipeline.hpp"

namespace sluice {
namespace {

using testing::attr;
using testing::CountingSource;
using testing::KeepSink;
using testing::Kept;
using testing::kMs;
using testing::no_jitter;
using testing::settle;
using testing::stage;

/// The calls a Service stage started and the test has not completed yet.
struct Open {
  std::mutex mu;
  struct Entry {
    Message m;
    Call call;
  };
  std::deque<Entry> calls;
  std::atomic<int> started{0};
  std::atomic<int> most_open{0};
  std::atomic<int> aborted{0};

  std::size_t size() {
    std::lock_guard lock(mu);
    return calls.size();
  }
  /// Takes the open call of message `seq` (the first one when 0).
  Entry take(std::uint64_t seq = 0) {
    std::lock_guard lock(mu);
    auto it = std::find_if(calls.begin(), calls.end(),
                           [&](const Entry& e) { return seq == 0 || e.m.seq == seq; });
    if (it == calls.end()) std::abort();
    Entry e = std::move(*it);
    calls.erase(it);
    return e;
  }
  /// Answers a call: its message, with the payload "reply <seq>".
  static void answer(Entry e) {
    e.m.payload = "reply " + std::to_string(e.m.seq);
    e.call.emit(std::move(e.m));
    e.call.done();
  }
};

class Service final : public AsyncStage {
 public:
  explicit Service(Open& open) : open_(open) {}
  void start(Message&& m, Call call, Context&) override {
    call.on_cancel([this] { open_.aborted.fetch_add(1); });
    std::lock_guard lock(open_.mu);
    open_.calls.push_back({std::move(m), std::move(call)});
    open_.started.fetch_add(1);
    const int n = static_cast<int>(open_.calls.size());
    if (n > open_.most_open.load()) open_.most_open.store(n);
  }

 private:
  Open& open_;
};

/// src -> call (Service) -> out, with the call's dead_letter and rejected kept.
struct Rig {
  ManualClock clock;
  Open open;
  Kept out, dead, rejected;
  std::unique_ptr<Pipeline> pipeline;

  void build(std::uint64_t count, NodeOptions options) {
    Graph g;
    auto src = g.add_source("src", [count] { return std::make_unique<CountingSource>(count); });
    auto call = g.add_stage("call", [this] { return std::make_unique<Service>(open); },
                            std::move(options), {"out", "dead_letter", "rejected"});
    g.connect(src, call);
    g.connect(call, "out", g.add_sink("out", [this] { return std::make_unique<KeepSink>(out); }));
    g.connect(call, "dead_letter",
              g.add_sink("dead", [this] { return std::make_unique<KeepSink>(dead); }));
    g.connect(call, "rejected",
              g.add_sink("rejected", [this] { return std::make_unique<KeepSink>(rejected); }));
    pipeline = std::make_unique<Pipeline>(std::move(g), RunOptions{.threads = 2, .clock = &clock});
  }
  void at(Nanos t_ms) {
    clock.set(t_ms * kMs);
    pipeline->fire_due_timers();
  }
};

TEST(Async, KeepsMaxInFlightCallsOpenAndNoMore) {
  Rig r;
  r.build(20, {.max_in_flight = 4});
  r.pipeline->start();
  for (int done = 0; done < 20; ++done) {
    settle([&] { return r.open.size() == static_cast<std::size_t>(std::min(4, 20 - done)); });
    Open::answer(r.open.take());
  }
  ASSERT_TRUE(r.pipeline->wait().ok());
  EXPECT_EQ(r.open.most_open.load(), 4);
  EXPECT_EQ(r.out.size(), 20u);
  const auto stats = r.pipeline->stats();
  const auto& st = stage(stats, "call");
  EXPECT_EQ(st.in, 20u);
  EXPECT_EQ(st.out, 20u);
}

TEST(Async, OutputFollowsCompletionOrderUnlessOrdered) {
  for (const bool ordered : {false, true}) {
    Rig r;
    r.build(3, {.ordered = ordered, .max_in_flight = 3});
    r.pipeline->start();
    settle([&] { return r.open.size() == 3; });
    for (std::uint64_t seq : {3, 1, 2}) Open::answer(r.open.take(seq));
    ASSERT_TRUE(r.pipeline->wait().ok());
    const std::vector<std::string> expected =
        ordered ? std::vector<std::string>{"reply 1", "reply 2", "reply 3"}
                : std::vector<std::string>{"reply 3", "reply 1", "reply 2"};
    EXPECT_EQ(r.out.payloads(), expected) << "ordered = " << ordered;
  }
}

TEST(Async, AnOrderedStageRetriesACallInItsPlace) {
  Rig r;
  r.build(3, {.ordered = true, .retry = no_jitter(3), .max_in_flight = 3});
  r.pipeline->start();
  settle([&] { return r.open.size() == 3; });
  r.open.take(1).call.fail("503", true);
  Open::answer(r.open.take(3));
  Open::answer(r.open.take(2));
  settle([&] { return r.pipeline->pending_timers() >= 1; });
  EXPECT_EQ(r.out.size(), 0u);  // 2 and 3 wait for 1
  r.at(100);
  settle([&] { return r.open.size() == 1; });
  Open::answer(r.open.take(1));
  ASSERT_TRUE(r.pipeline->wait().ok());
  EXPECT_EQ(r.out.payloads(), (std::vector<std::string>{"reply 1", "reply 2", "reply 3"}));
  const auto stats = r.pipeline->stats();
  EXPECT_EQ(stage(stats, "call").retries, 1u);
}

TEST(Async, TransientFailuresAreRetriedAfterTheBackoffAndRetryAfter) {
  Rig r;
  r.build(2, {.retry = no_jitter(3), .max_in_flight = 2});
  r.pipeline->start();
  settle([&] { return r.open.size() == 2; });
  r.open.take(1).call.fail("503", true);
  r.open.take(2).call.fail("429", true, 250 * kMs);  // Retry-After instead of the backoff
  // Both settled (their retries due from 0 ms) before the clock moves.
  settle([&] { return stage(r.pipeline->stats(), "call").errors == 2; });
  r.at(100);
  settle([&] { return r.open.size() == 1; });
  EXPECT_EQ(r.open.started.load(), 3);  // seq 1 again; seq 2 waits for its 250 ms
  Open::answer(r.open.take(1));
  r.at(250);
  settle([&] { return r.open.size() == 1; });
  Open::answer(r.open.take(2));
  ASSERT_TRUE(r.pipeline->wait().ok());
  EXPECT_EQ(r.out.size(), 2u);
  const auto stats = r.pipeline->stats();
  const auto& st = stage(stats, "call");
  EXPECT_EQ(st.retries, 2u);
  EXPECT_EQ(st.errors, 2u);
}

TEST(Async, PermanentFailuresAndDroppedCallsGoToTheDeadLetterPort) {
  Rig r;
  r.build(2, {.on_error = OnError::dead_letter, .retry = no_jitter(3)});
  r.pipeline->start();
  settle([&] { return r.open.size() == 2; });
  r.open.take(1).call.fail("400 bad request", false);
  { Open::Entry forgotten = r.open.take(2); }  // the library lost its callback: transient
  settle([&] { return r.dead.size() == 1 && r.pipeline->pending_timers() >= 1; });
  r.at(100);
  settle([&] { return r.open.size() == 1; });
  Open::answer(r.open.take(2));
  ASSERT_TRUE(r.pipeline->wait().ok());
  EXPECT_EQ(attr(r.dead.messages[0], "error"), "400 bad request");
  EXPECT_EQ(attr(r.dead.messages[0], "attempts"), "1");
  EXPECT_EQ(r.out.payloads(), std::vector<std::string>{"reply 2"});
}

TEST(Async, ACallPastItsTimeoutIsAbortedAndItsLateResultDropped) {
  Rig r;
  r.build(1, {.on_error = OnError::dead_letter, .retry = no_jitter(2), .timeout = 50 * kMs});
  r.pipeline->start();
  settle([&] { return r.open.size() == 1; });
  r.at(50);
  settle([&] { return r.open.aborted.load() == 1 && r.pipeline->pending_timers() >= 1; });
  Open::answer(r.open.take());  // too late: dropped
  r.at(150);
  settle([&] { return r.open.size() == 1; });
  EXPECT_EQ(r.open.take().call.attempt(), 2);  // dropped too: fails as transient
  ASSERT_TRUE(r.pipeline->wait().ok());
  EXPECT_EQ(r.out.size(), 0u);
  ASSERT_EQ(r.dead.size(), 1u);
  EXPECT_EQ(attr(r.dead.messages[0], "attempts"), "2");
}

TEST(Async, ABreakerOpenedByFailedCallsRejectsTheRest) {
  // Each call fails at once; the first two are settled (and open the breaker)
  // before a third can start: max_in_flight counts them until then.
  class Down final : public AsyncStage {
    void start(Message&&, Call call, Context&) override { call.fail("down", true); }
  };
  Kept rejected;
  CircuitBreaker::Config cfg;
  cfg.failure_rate = 0.5;
  cfg.min_calls = 2;
  cfg.window = 2;
  cfg.open_for = 1000 * kMs;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(6); });
  auto call = g.add_stage("call", [] { return std::make_unique<Down>(); },
                          {.on_error = OnError::drop,
                           .circuit_breaker = std::make_shared<CircuitBreaker>("svc", cfg),
                           .max_in_flight = 2},
                          {"out", "rejected"});
  g.connect(src, call);
  g.connect(call, "rejected",
            g.add_sink("rejected", [&] { return std::make_unique<KeepSink>(rejected); }));
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  const auto stats = p.stats();
  const auto& st = stage(stats, "call");
  EXPECT_EQ(st.dropped, 2u);
  EXPECT_EQ(st.rejected, 4u);
  EXPECT_EQ(rejected.size(), 4u);
}

TEST(Async, CancelAbortsOpenCallsAndCountsThemAbandoned) {
  Rig r;
  r.build(5, {.max_in_flight = 8});
  r.pipeline->start();
  settle([&] { return r.open.size() == 5; });
  Open::answer(r.open.take(1));
  settle([&] { return r.out.size() == 1; });
  r.pipeline->cancel();
  (void)r.pipeline->wait();
  EXPECT_EQ(r.open.aborted.load(), 4);
  const auto stats = r.pipeline->stats();
  const auto& st = stage(stats, "call");
  EXPECT_EQ(st.abandoned, 4u);
  EXPECT_EQ(st.in, st.out + st.abandoned);
  Open::answer(r.open.take(2));  // a result after the run goes nowhere
}

TEST(Async, AnExceptionFromStartFailsTheCall) {
  class Throws final : public AsyncStage {
    void start(Message&&, Call, Context&) override { throw PermanentError("no route"); }
  };
  Kept dead;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(3); });
  auto call = g.add_stage("call", [] { return std::make_unique<Throws>(); },
                          {.on_error = OnError::dead_letter}, {"out", "dead_letter"});
  g.connect(src, call);
  g.connect(call, "dead_letter",
            g.add_sink("dead", [&] { return std::make_unique<KeepSink>(dead); }));
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  ASSERT_EQ(dead.size(), 3u);
  EXPECT_EQ(attr(dead.messages[0], "error"), "no route");
}

/// Writes on a thread of its own, as a client library would.
class ThreadedSink final : public AsyncSink {
 public:
  explicit ThreadedSink(std::atomic<int>& written) : written_(written) {}
  ~ThreadedSink() override {
    for (auto& t : threads_) t.join();
  }
  void start(Message&&, Call call, Context&) override {
    threads_.emplace_back([this, call = std::move(call)]() mutable {
      written_.fetch_add(1);
      call.done();
    });
  }

 private:
  std::atomic<int>& written_;
  std::vector<std::thread> threads_;
};

TEST(Async, AnAsyncSinkCountsWhatItsCallsWrote) {
  std::atomic<int> written{0};
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(50); });
  g.connect(src, g.add_sink("post", [&] { return std::make_unique<ThreadedSink>(written); },
                            {.max_in_flight = 8}));
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  EXPECT_EQ(written.load(), 50);
  EXPECT_EQ(stage(p.stats(), "post").out, 50u);
}

/// Gathers its calls into "requests" of up to `batch`, sent when full or at flush().
class GatheringSink final : public AsyncSink {
 public:
  GatheringSink(std::size_t batch, std::atomic<int>& requests)
      : batch_(batch), requests_(requests) {}
  void start(Message&&, Call call, Context&) override {
    gathered_.push_back(std::move(call));
    if (gathered_.size() == batch_) send();
  }
  void flush(Context&) override { send(); }

 private:
  void send() {
    if (gathered_.empty()) return;
    requests_.fetch_add(1);
    for (Call& c : gathered_) c.done();
    gathered_.clear();
  }
  std::size_t batch_;
  std::atomic<int>& requests_;
  std::vector<Call> gathered_;
};

TEST(Async, ASinkThatGathersMoreCallsThanMaxInFlightIsFlushed) {
  std::atomic<int> requests{0};
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(7); });
  g.connect(src, g.add_sink("post", [&] { return std::make_unique<GatheringSink>(10, requests); },
                            {.max_in_flight = 3}));
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());  // not a hang: at max_in_flight the sink is told to send
  EXPECT_EQ(stage(p.stats(), "post").out, 7u);
  EXPECT_GE(requests.load(), 3);
}

/// Emits what another thread queued, woken through Context::waker.
class QueueSource final : public Source {
 public:
  void open(Context& ctx) override {
    feeder_ = std::thread([this, wake = ctx.waker()] {
      for (int i = 0; i < 100; ++i) {
        {
          std::lock_guard lock(mu_);
          queue_.push_back(i);
        }
        wake();
      }
      {
        std::lock_guard lock(mu_);
        ended_ = true;
      }
      wake();
    });
  }
  SourceStatus produce(Emitter& out, Context&, std::size_t) override {
    std::lock_guard lock(mu_);
    for (int v : queue_) out.emplace().value = v;
    queue_.clear();
    return ended_ ? SourceStatus::done : SourceStatus::wait;
  }
  void close(Context&) override { feeder_.join(); }

 private:
  std::thread feeder_;
  std::mutex mu_;
  std::vector<int> queue_;
  bool ended_{false};
};

TEST(Async, AWakerRunsASourceFromAnotherThread) {
  Kept out;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<QueueSource>(); });
  g.connect(src, g.add_sink("out", [&] { return std::make_unique<KeepSink>(out); }));
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  EXPECT_EQ(out.size(), 100u);
}

}  // namespace
}  // namespace sluice
