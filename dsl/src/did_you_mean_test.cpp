#include "sluice/dsl/did_you_mean.hpp"

#include <gtest/gtest.h>

namespace sluice::dsl {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsSubstitutionsAndSwaps) {
  EXPECT_EQ(edit_distance("capacity", "capacity"), 0u);
  EXPECT_EQ(edit_distance("capcity", "capacity"), 1u);
  EXPECT_EQ(edit_distance("capacityy", "capacity"), 1u);
  EXPECT_EQ(edit_distance("capacitx", "capacity"), 1u);
  EXPECT_EQ(edit_distance("cpaacity", "capacity"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(DidYouMean, SuggestsTheClosestCandidate) {
  const std::vector<std::string> keys = {"capacity", "workers", "ordered", "overflow"};
  EXPECT_EQ(did_you_mean("capcity", keys), "capacity");
  EXPECT_EQ(did_you_mean("worker", keys), "workers");
  EXPECT_EQ(did_you_mean("Workers", keys), "workers");
  EXPECT_EQ(did_you_mean("overflw", keys), "overflow");
}

TEST(DidYouMean, StaysQuietWhenNothingIsClose) {
  const std::vector<std::string> keys = {"capacity", "workers"};
  EXPECT_EQ(did_you_mean("zebra", keys), std::nullopt);
  EXPECT_EQ(did_you_mean("workers", keys), std::nullopt);  // exact: nothing to suggest
  EXPECT_EQ(did_you_mean("ab", {"cd"}), std::nullopt);
}

TEST(DidYouMean, ALooserLimitCanBeGiven) {
  EXPECT_EQ(did_you_mean("sorce", {"src", "out"}), std::nullopt);
  EXPECT_EQ(did_you_mean("sorce", {"src", "out"}, 2), "src");
}

}  // namespace
}  // namespace sluice::dsl
