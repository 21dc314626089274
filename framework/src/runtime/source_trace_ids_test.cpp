// Every source's messages carry a trace id: a source that sets none (a
// plugin's, a C++ graph's own) gets random ones from the runtime, and an id
// a source did set is kept.
#include <gtest/gtest.h>

#include <set>

#include "runtime/test_stages.hpp"
#include "sluice/pipeline.hpp"

namespace sluice {
namespace {

using testing::CountingSource;
using testing::KeepSink;
using testing::Kept;

/// Emits `count` messages with trace_id = 1000 + seq.
class TracedSource final : public Source {
 public:
  SourceStatus produce(Emitter& out, Context&, std::size_t) override {
    Message m;
    m.seq = ++seq_;
    m.trace_id = 1000 + seq_;
    out.emit(std::move(m));
    return seq_ == 10 ? SourceStatus::done : SourceStatus::more;
  }

 private:
  std::uint64_t seq_{0};
};

TEST(SourceTraceIds, ASourceThatSetsNoneGetsDistinctNonZeroIdsBelow2To53) {
  Kept kept;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(5000); });
  auto out = g.add_sink("out", [&] { return std::make_unique<KeepSink>(kept); });
  g.connect(src, out);
  ASSERT_TRUE(Pipeline(std::move(g), {.threads = 2}).run().ok());
  std::set<std::uint64_t> ids;
  for (const Message& m : kept.messages) {
    EXPECT_NE(m.trace_id, 0u);
    EXPECT_LT(m.trace_id, std::uint64_t{1} << 53);
    ids.insert(m.trace_id);
  }
  EXPECT_EQ(kept.messages.size(), 5000u);
  EXPECT_EQ(ids.size(), 5000u);
}

TEST(SourceTraceIds, AnIdTheSourceSetIsKept) {
  Kept kept;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<TracedSource>(); });
  auto out = g.add_sink("out", [&] { return std::make_unique<KeepSink>(kept); });
  g.connect(src, out);
  ASSERT_TRUE(Pipeline(std::move(g), {.threads = 1}).run().ok());
  ASSERT_EQ(kept.messages.size(), 10u);
  for (const Message& m : kept.messages) EXPECT_EQ(m.trace_id, 1000 + m.seq);
}

}  // namespace
}  // namespace sluice
