// Durations added to clock times saturate: a deadline past the end of time
// is never, not a time in the past (run_for = "2562047h" ran 0 messages).
#include <gtest/gtest.h>

#include <limits>

#include "runtime/test_stages.hpp"
#include "sluice/clock.hpp"
#include "sluice/pipeline.hpp"

namespace sluice {
namespace {

constexpr Nanos kMax = std::numeric_limits<Nanos>::max();

TEST(Saturation, AddHoldsAtTheEndsInsteadOfWrapping) {
  static_assert(saturating_add(5, 7) == 12);
  EXPECT_EQ(saturating_add(kNanosPerSecond, kMax), kMax);
  EXPECT_EQ(saturating_add(kMax - 1, 2), kMax);
  EXPECT_EQ(saturating_add(kMax, 0), kMax);
  EXPECT_EQ(saturating_add(-5, std::numeric_limits<Nanos>::min()),
            std::numeric_limits<Nanos>::min());
}

TEST(Saturation, TheLongestRunForAndDrainTimeoutNeverFire) {
  static constexpr std::uint64_t kCount = 100'000;
  testing::Collected got;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<testing::CountingSource>(kCount); });
  g.connect(src, g.add_sink("out", [&] { return std::make_unique<testing::CollectSink>(got); }));
  Pipeline p(std::move(g), {.threads = 1, .drain_timeout = kMax, .run_for = kMax});
  const auto r = p.run();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(got.snapshot().size(), kCount);  // before: the alarm wrapped and stopped it at once
}

}  // namespace
}  // namespace sluice
