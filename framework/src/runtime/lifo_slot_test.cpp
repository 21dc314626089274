// The LIFO slot (runtime_dispatch.cpp): an instance woken by a task runs next on that
// task's thread, where no other thread can take it. A task that runs long
// turns lets it in after one turn rather than after all of its turns: the
// source of a worker pool refills the edge its workers drain, instead of
// waiting until they have drained it (on 16 cores, 15 idle workers).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "runtime/test_stages.hpp"
#include "sluice/pipeline.hpp"

namespace sluice {
namespace {

using testing::Collected;
using testing::CollectSink;

/// What ran, in order: 'P' for a source's produce(), 'W' for a worker's call.
struct EventLog {
  std::mutex mu;
  std::string events;
  void add(char e) {
    std::lock_guard lock(mu);
    events.push_back(e);
  }
  /// The longest run of worker calls with no produce() between them, in
  /// the steady state: not the first run (the source's first turn, which
  /// opens it, may outlast the slot wait and queue it behind the worker)
  /// nor the last (after its last produce() nobody refills the edge).
  std::size_t longest_worker_run() {
    std::lock_guard lock(mu);
    std::size_t longest = 0;
    std::size_t run = 0;
    int runs = 0;
    for (const char e : events) {
      if (e == 'W') {
        ++run;
      } else if (run > 0) {
        if (++runs > 1) longest = std::max(longest, run);
        run = 0;
      }
    }
    return longest;
  }
};

/// Two messages per produce(): the source fills its edge in a few turns and
/// parks on it with what did not fit, so that only a worker's take wakes
/// it (one message a turn could fill the edge in exactly the task's eight
/// turns and be queued behind the worker instead of parked).
class TwoAtATime final : public Source {
 public:
  TwoAtATime(EventLog& log, std::uint64_t count) : log_(log), count_(count) {}
  SourceStatus produce(Emitter& out, Context&, std::size_t) override {
    log_.add('P');
    for (int i = 0; i < 2 && made_ < count_; ++i) {
      Message m;
      m.seq = ++made_;
      out.emit(std::move(m));
    }
    return made_ == count_ ? SourceStatus::done : SourceStatus::more;
  }

 private:
  EventLog& log_;
  std::uint64_t count_;
  std::uint64_t made_{0};
};

/// Spins for `micros` of wall time per message: every turn outlasts the
/// runtime's 50 us slot wait, however fast or loaded the machine.
class Spin final : public Stage {
 public:
  Spin(EventLog& log, std::chrono::microseconds micros) : log_(log), micros_(micros) {}
  void process(Message&& m, Emitter& out, Context&) override {
    log_.add('W');
    const auto until = std::chrono::steady_clock::now() + micros_;
    while (std::chrono::steady_clock::now() < until) {
    }
    out.emit(std::move(m));
  }

 private:
  EventLog& log_;
  std::chrono::microseconds micros_;
};

// One thread, an edge of 8 and a worker that takes one message a turn. The
// edge wakes its parked source once half of it is free (4 taken): before,
// the source then waited in the slot while the worker ran the rest of its
// task's eight turns (runs of 8 calls, the edge drained); now the worker's
// turn that woke it is its last, and the source refills the edge.
TEST(LifoSlot, ALongTurnLetsTheInstanceItWokeRunNext) {
  EventLog log;
  Collected got;
  constexpr std::uint64_t kCount = 60;
  Graph g;
  auto src = g.add_source("src", [&] { return std::make_unique<TwoAtATime>(log, kCount); });
  auto work = g.add_stage(
      "work", [&] { return std::make_unique<Spin>(log, std::chrono::microseconds(100)); },
      {.batch = 1});
  g.connect(src, work, {.capacity = 8});
  g.connect(work, g.add_sink("out", [&] { return std::make_unique<CollectSink>(got); }));
  Pipeline p(std::move(g), {.threads = 1});
  const RunResult r = p.run();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(got.snapshot().size(), kCount);
  EXPECT_LE(log.longest_worker_run(), 4u) << log.events;
}

}  // namespace
}  // namespace sluice
