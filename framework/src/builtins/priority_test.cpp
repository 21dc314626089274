// The priority stage's choices, driven directly (a fake Context gives the
// lane and the time), and once through the runtime with full lanes.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "runtime/test_stages.hpp"
#include "sluice/limits.hpp"
#include "sluice/pipeline.hpp"
#include "sluice/registry.hpp"

namespace sluice {
namespace {

class FakeContext final : public Context {
 public:
  explicit FakeContext(std::size_t inputs) : inputs_(inputs) {}
  std::string_view stage_name() const noexcept override { return "prio"; }
  std::size_t instance() const noexcept override { return 0; }
  std::size_t instances() const noexcept override { return 1; }
  const Clock& clock() const noexcept override { return clock_; }
  bool cancelled() const noexcept override { return false; }
  void wake_at(Nanos) override {}
  void request_stop() override {}
  void log(LogLevel, std::string_view) override {}
  void count_filtered(std::uint64_t) noexcept override {}
  void count_dropped(std::uint64_t) noexcept override {}
  void add_counter(std::string_view, std::uint64_t) override {}
  std::size_t input_count() const noexcept override { return inputs_; }
  std::size_t input_index() const noexcept override { return input_; }

  ManualClock clock_;
  std::size_t inputs_;
  std::size_t input_{0};
};

struct Harness {
  Harness(std::size_t inputs, std::vector<std::pair<std::string, OptionValue>> set) : ctx(inputs) {
    const StageType* t = builtin_registry().find("priority", true);
    Options o(std::move(set));
    o.apply_defaults(t->schema);
    stage = t->make_stage(o);
    stage->open(ctx);
  }
  void offer(std::size_t lane, const std::string& key, int n = 1) {
    for (int i = 0; i < n; ++i) {
      ctx.input_ = lane;
      Message m;
      m.key = key;
      stage->process(std::move(m), emitter, ctx);
    }
  }
  std::string take(std::size_t room) {
    ports[0].clear();
    stage->release(emitter, ctx, room);
    std::string s;
    for (const auto& m : ports[0]) s += m.key;
    return s;
  }

  FakeContext ctx;
  std::unique_ptr<Stage> stage;
  std::vector<Message> ports[1];
  std::vector<std::string> names{"out"};
  Emitter emitter{ports, &names};
};

TEST(Priority, StrictServesTheHighestLaneFirst) {
  Harness h(3, {});
  h.offer(2, "c", 2);
  h.offer(1, "b", 2);
  h.offer(0, "a", 2);
  EXPECT_EQ(h.take(3), "aab");
  h.offer(0, "a");
  EXPECT_EQ(h.take(10), "abcc");
  EXPECT_EQ(h.stage->held(), 0u);
}

TEST(Priority, WeightedThreeToOneWhileBothLanesAreFull) {
  Harness h(2, {{"policy", OptionValue::of("weighted")},
                {"weights", [] {
                   OptionValue v;
                   v.kind = OptionValue::Kind::list;
                   v.list = {OptionValue::of(3), OptionValue::of(1)};
                   return v;
                 }()}});
  h.offer(0, "a", 600);
  h.offer(1, "b", 600);
  std::string out;
  for (int i = 0; i < 100; ++i) out += h.take(4);  // room comes 4 at a time
  EXPECT_EQ(out.substr(0, 8), "aaabaaab");
  EXPECT_EQ(std::count(out.begin(), out.end(), 'a'), 300);
  EXPECT_EQ(std::count(out.begin(), out.end(), 'b'), 100);
}

TEST(Priority, MaxWaitPromotesAMessageThatWaitedTooLong) {
  Harness h(2, {{"max_wait", OptionValue::duration(from_millis(100))}});
  h.offer(1, "b");  // arrives at t = 0
  h.ctx.clock_.advance(from_millis(60));
  h.offer(0, "a", 5);  // t = 60 ms
  EXPECT_EQ(h.take(2), "aa") << "b has waited 60 ms only";
  h.ctx.clock_.advance(from_millis(40));  // b has waited 100 ms, the a's 40
  EXPECT_EQ(h.take(2), "ba");
  EXPECT_EQ(h.take(5), "aa");
}

TEST(Priority, MaxWaitHoldsEvenWhenTheHighLaneIsOlderStill) {
  Harness h(2, {{"max_wait", OptionValue::duration(from_millis(20))}});
  h.offer(0, "a", 500);  // a full high lane, waiting since t = 0
  h.ctx.clock_.advance(from_millis(50));
  h.offer(1, "b");  // t = 50 ms
  h.ctx.clock_.advance(from_millis(19));
  EXPECT_EQ(h.take(3), "aaa");
  h.ctx.clock_.advance(from_millis(1));  // b has waited max_wait
  EXPECT_EQ(h.take(3), "baa") << "aging beats a lane that is merely older";
}

TEST(Priority, OneInputUsesTheMessagesPriority) {
  Harness h(1, {{"lanes", OptionValue::of(2)}});
  for (int p : {1, 0, 5, 0}) {
    Message m;
    m.priority = p;
    m.key = std::to_string(p);
    h.stage->process(std::move(m), h.emitter, h.ctx);
  }
  EXPECT_EQ(h.take(4), "0015") << "priority 5 falls into the lowest lane, 1";
}

/// Emits `count` messages keyed `tag`.
class Tagged final : public Source {
 public:
  Tagged(char tag, int count) : tag_(1, tag), left_(count) {}
  SourceStatus produce(Emitter& out, Context&, std::size_t budget) override {
    for (std::size_t i = 0; i < budget && left_ > 0; ++i, --left_) out.emplace().key = tag_;
    return left_ == 0 ? SourceStatus::done : SourceStatus::more;
  }

 private:
  std::string tag_;
  int left_;
};

class Keys final : public Sink {
 public:
  explicit Keys(std::string& into) : into_(into) {}
  void consume(std::span<Message> batch, Context&) override {
    for (const auto& m : batch) into_ += m.key;
  }

 private:
  std::string& into_;
};

TEST(Priority, WeightedThroughTheRuntime) {
  auto gate = std::make_shared<Semaphore>(0);  // the sink waits until the lanes are full
  std::string keys;
  Graph g;
  const StageType* t = builtin_registry().find("priority", true);
  OptionValue weights;
  weights.kind = OptionValue::Kind::list;
  weights.list = {OptionValue::of(3), OptionValue::of(1)};
  Options o({{"policy", OptionValue::of("weighted")}, {"weights", weights}});
  o.apply_defaults(t->schema);
  auto prio = g.add_stage("prio", [t, o] { return t->make_stage(o); });
  g.connect(g.add_source("a", [] { return std::make_unique<Tagged>('a', 2000); }), prio);
  g.connect(g.add_source("b", [] { return std::make_unique<Tagged>('b', 2000); }), prio);
  g.connect(prio,
            g.add_sink("out", [&] { return std::make_unique<Keys>(keys); }, {.semaphore = gate}),
            {.capacity = 4});
  Pipeline p(std::move(g), {.threads = 2});
  p.start();
  // Open the gate once the lanes hold all they may, with both lanes filled.
  for (int i = 0; i < 20'000'000; ++i) {
    const auto s = p.stats();
    if (s.edges[0].taken >= 256 && s.edges[1].taken >= 256) break;
    std::this_thread::yield();
  }
  gate->release();
  ASSERT_TRUE(p.wait().ok());
  ASSERT_EQ(keys.size(), 4000u);
  const std::string first = keys.substr(0, 800);
  const auto a = std::count(first.begin(), first.end(), 'a');
  EXPECT_NEAR(static_cast<double>(a) / 800.0, 0.75, 0.02) << first.substr(0, 64);
}

}  // namespace
}  // namespace sluice
