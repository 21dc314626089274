// Pipeline::tap: a watcher gets copies of what leaves an output, in order,
// while the pipeline's own consumers still get every message; an output with
// no queue (fused) or none at all is refused, saying why.
#include "sluice/tap.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

#include "runtime/test_stages.hpp"
#include "sluice/pipeline.hpp"

namespace sluice {
namespace {

using testing::Collected;
using testing::CollectSink;
using testing::CountingSource;
using testing::PassThrough;

class Copies final : public TapSink {
 public:
  void offer(std::span<const Message> messages) noexcept override {
    std::lock_guard lock(mu_);
    for (const Message& m : messages) seqs_.push_back(m.seq);
  }
  std::vector<std::uint64_t> seqs() {
    std::lock_guard lock(mu_);
    return seqs_;
  }

 private:
  std::mutex mu_;
  std::vector<std::uint64_t> seqs_;
};

Graph chain(Collected& got, std::uint64_t count, NodeOptions middle = {}) {
  Graph g;
  auto src = g.add_source("src", [count] { return std::make_unique<CountingSource>(count); });
  auto a = g.add_stage(
      "a", [] { return std::make_unique<PassThrough>(); }, middle);
  auto b = g.add_stage(
      "b", [] { return std::make_unique<PassThrough>(); }, middle);
  auto out = g.add_sink("out", [&got] { return std::make_unique<CollectSink>(got); });
  g.connect(src, a);
  g.connect(a, b);
  g.connect(b, out);
  return g;
}

TEST(Tap, AWatcherSeesWhatLeavesAnOutputInOrder) {
  Collected got;
  Pipeline p(chain(got, 5000), {.threads = 2, .fusion = Fusion::never});
  Copies copies;
  ASSERT_EQ(p.tap("a", &copies), "");
  EXPECT_EQ(p.tap("a", &copies), "'a' is tapped already");
  ASSERT_TRUE(p.run().ok());
  std::vector<std::uint64_t> all(5000);
  std::iota(all.begin(), all.end(), 1);
  EXPECT_EQ(copies.seqs(), all);
  EXPECT_EQ(got.snapshot().size(), 5000u) << "the pipeline's own consumer misses nothing";
  p.untap(&copies);
}

TEST(Tap, UntapEndsTheCopiesAndFreesTheOutput) {
  Collected got;
  Pipeline p(chain(got, 100), {.threads = 1, .fusion = Fusion::never});
  Copies first, second;
  ASSERT_EQ(p.tap("src", &first), "");
  p.untap(&first);
  ASSERT_EQ(p.tap("src", &second), "") << "free again";
  ASSERT_TRUE(p.run().ok());
  EXPECT_TRUE(first.seqs().empty());
  EXPECT_EQ(second.seqs().size(), 100u);
}

TEST(Tap, TapAndUntapWhileMessagesFlow) {
  Collected got;
  Pipeline p(chain(got, 0), {.threads = 2, .fusion = Fusion::never});  // endless
  p.start();
  for (int round = 0; round < 20; ++round) {
    Copies copies;
    ASSERT_EQ(p.tap("a", &copies), "");
    testing::settle([&] { return !copies.seqs().empty(); });
    p.untap(&copies);
    const std::size_t seen = copies.seqs().size();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_EQ(copies.seqs().size(), seen) << "no copy after untap returned";
  }  // each Copies dies right after its untap: nothing may call it later
  p.stop();
  EXPECT_EQ(p.wait().status, RunStatus::interrupted);
}

TEST(Tap, AnOutputWithoutAQueueIsRefusedSayingWhy) {
  Collected got;
  Pipeline fused(chain(got, 10, {.fusable = true}), {.threads = 1, .fusion = Fusion::always});
  Copies copies;
  EXPECT_EQ(fused.tap("a", &copies),
            "'a' runs fused into the next stage: no edge to tap (run with --fuse never)");
  EXPECT_EQ(fused.tap("nope", &copies), "no output 'nope' with an edge; the outputs are a, b, src");
  EXPECT_EQ(fused.tap("b", nullptr), "no tap given");
  ASSERT_TRUE(fused.run().ok());
}

}  // namespace
}  // namespace sluice
