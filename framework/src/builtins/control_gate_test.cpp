// gate in control mode through the real runtime, on a ManualClock: data waits
// until a control message opens the gate, passes in order, and a gate whose
// control input ends closed stops rather than hold its input forever.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "builtins/test_graph.hpp"
#include "sluice/pipeline.hpp"
#include "sluice/registry.hpp"

namespace sluice {
namespace {

using testing::add;
using testing::keep;
using testing::Kept;
using testing::stage;

constexpr Nanos kMs = 1'000'000;

/// Emits one message with `payload` once the clock reaches `at`, then ends.
class Later final : public Source {
 public:
  Later(Nanos at, std::string payload) : at_(at), payload_(std::move(payload)) {}
  SourceStatus produce(Emitter& out, Context& ctx, std::size_t) override {
    if (ctx.now() < at_) {
      ctx.wake_at(at_);
      return SourceStatus::wait;
    }
    if (!payload_.empty()) out.emplace().payload = payload_;
    return SourceStatus::done;
  }

 private:
  Nanos at_;
  std::string payload_;
};

template <class Pred>
void settle(Pred pred) {
  for (int i = 0; i < 20'000'000 && !pred(); ++i) std::this_thread::yield();
  ASSERT_TRUE(pred()) << "condition never held";
}

std::uint64_t depth(const Pipeline& p, const std::string& to) {
  for (const auto& e : p.stats().edges) {
    if (e.from == "events" && e.to == to) return e.depth;
  }
  return 0;
}

struct Rig {
  ManualClock clock;
  Kept got;
  std::unique_ptr<Pipeline> p;

  void build(std::uint64_t events, const std::string& control, testing::Set gate_options,
             std::size_t workers = 1) {
    Graph g;
    auto data = add(g, "events", "generate", false,
                    {{"count", OptionValue::of(static_cast<std::int64_t>(events))}});
    auto loader =
        g.add_source("loader", [control] { return std::make_unique<Later>(100 * kMs, control); });
    auto gate = add(g, "gate", "gate", true, std::move(gate_options), workers);
    g.connect(data, gate);    // input 0: data
    g.connect(loader, gate);  // input 1: control
    g.connect(gate, keep(g, "out", got));
    p = std::make_unique<Pipeline>(std::move(g), RunOptions{.threads = 2, .clock = &clock});
  }
};

TEST(ControlGate, HoldsDataUntilAControlMessageOpensIt) {
  Rig r;
  r.build(100, R"({"event": "loaded"})", {{"open_when", OptionValue::of(".event == \"loaded\"")}});
  r.p->start();
  // All waiting on the edge, and the loader's wake-up armed: a manual clock
  // moved before it is armed would leave it waiting for good.
  settle([&] { return depth(*r.p, "gate") == 100 && r.p->pending_timers() == 1; });
  EXPECT_EQ(r.got.size(), 0u);
  r.clock.set(100 * kMs);
  r.p->fire_due_timers();
  ASSERT_TRUE(r.p->wait().ok());
  ASSERT_EQ(r.got.size(), 100u);
  for (std::size_t i = 0; i < 100; ++i) EXPECT_EQ(r.got.messages[i].seq, i + 1);
  const auto s = stage(*r.p, "gate");
  EXPECT_EQ(s.in, 101u);
  EXPECT_EQ(s.out, 100u);
  EXPECT_EQ(s.filtered, 1u);  // the control message
  EXPECT_EQ(s.counters.at("opened"), 1u);
}

TEST(ControlGate, AGateThatStartsOpenPassesAtOnce) {
  Rig r;
  r.build(10, "", {{"open_when", OptionValue::of("true")}, {"initially", OptionValue::of("open")}});
  r.p->start();
  settle([&] { return r.got.size() == 10 && r.p->pending_timers() == 1; });
  r.clock.set(100 * kMs);
  r.p->fire_due_timers();
  ASSERT_TRUE(r.p->wait().ok());
}

TEST(ControlGate, AControlInputThatEndsWithTheGateClosedStopsIt) {
  Rig r;
  // The loader ends without a message that opens the gate; the data is endless.
  r.build(0, R"({"event": "failed"})", {{"open_when", OptionValue::of(".event == \"loaded\"")}});
  r.p->start();
  settle([&] { return r.p->pending_timers() == 1; });  // the loader waits for its time
  r.clock.set(100 * kMs);
  r.p->fire_due_timers();
  ASSERT_TRUE(r.p->wait().ok());  // ends, not hangs
  EXPECT_EQ(r.got.size(), 0u);
  const auto s = stage(*r.p, "gate");
  EXPECT_EQ(s.in, s.out + s.filtered + s.abandoned);
}

TEST(ControlGate, WorkersFailTheRunAtOnceNamingTheStage) {
  // Each instance would open only when it took a control message itself.
  Rig r;
  r.build(0, R"({"event": "loaded"})", {{"open_when", OptionValue::of(".event == \"loaded\"")}},
          /*workers=*/3);
  const RunResult result = r.p->run();
  EXPECT_EQ(result.status, RunStatus::failed);
  EXPECT_EQ(result.error_stage, "gate");
  EXPECT_NE(result.error.find("a gate with open_when runs as one instance, not 3"),
            std::string::npos)
      << result.error;
  EXPECT_EQ(r.got.size(), 0u);
}

TEST(ControlGate, ItsOptionsAreCheckedTogether) {
  const StageType* gate = builtin_registry().find("gate", true);
  ASSERT_NE(gate, nullptr);
  const Options none;
  auto problems = [&](std::vector<std::string> given, std::size_t inputs) {
    return gate->check(StageView{"g", none, std::move(given), inputs});
  };
  EXPECT_EQ(problems({}, 1).size(), 1u);  // neither open nor open_when
  EXPECT_EQ(problems({"open", "open_when"}, 2).size(), 1u);
  EXPECT_EQ(problems({"open_when"}, 1).at(0).at, "open_when");  // needs [data, control]
  EXPECT_EQ(problems({"open", "close_when"}, 1).at(0).at, "close_when");
  EXPECT_TRUE(problems({"open_when", "close_when"}, 2).empty());
}

}  // namespace
}  // namespace sluice
