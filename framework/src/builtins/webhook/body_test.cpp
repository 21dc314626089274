#include "builtins/webhook/body.hpp"

#include <gtest/gtest.h>

namespace sluice::builtins::webhook {
namespace {

using Views = std::vector<std::string_view>;

TEST(WebhookBody, TheWholeBodyIsOneMessage) {
  EXPECT_EQ(split_body("a\nb\n", false), (Views{"a\nb\n"}));
  EXPECT_TRUE(split_body("", false).empty());
}

TEST(WebhookBody, LinesLoseTheirEndingsAndEmptyLinesAreSkipped) {
  EXPECT_EQ(split_body("a\nb\r\n\n\r\nc", true), (Views{"a", "b", "c"}));
  EXPECT_EQ(split_body("one\n", true), (Views{"one"}));
  EXPECT_TRUE(split_body("\n\r\n\n", true).empty());
  EXPECT_TRUE(split_body("", true).empty());
}

TEST(WebhookBody, TraceIdIsTheLow53BitsOfTheTraceparentTraceId) {
  // Low 64 bits 0xffffffffffffffff: 53 of them are kept.
  EXPECT_EQ(trace_id_of("00-0af7651916cd43dd"
                        "ffffffffffffffff-b7ad6b7169203331-01"),
            (std::uint64_t{1} << 53) - 1);
  EXPECT_EQ(trace_id_of("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            0x8448eb211c80319cULL & ((std::uint64_t{1} << 53) - 1));
  // A later version may append fields.
  EXPECT_EQ(trace_id_of("01-00000000000000000000000000000001-b7ad6b7169203331-01-extra"), 1u);
}

TEST(WebhookBody, AMalformedTraceparentGivesNoTraceId) {
  EXPECT_EQ(trace_id_of(""), 0u);
  EXPECT_EQ(trace_id_of("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331"), 0u);  // no flags
  EXPECT_EQ(trace_id_of("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01"), 0u);
  EXPECT_EQ(trace_id_of("00-00000000000000000000000000000000-b7ad6b7169203331-01"), 0u);
  EXPECT_EQ(trace_id_of("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), 0u);
  EXPECT_EQ(trace_id_of("00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), 0u);
}

TEST(WebhookBody, HeaderNamesAreLowerCased) { EXPECT_EQ(lower("X-Request-ID"), "x-request-id"); }

}  // namespace
}  // namespace sluice::builtins::webhook
