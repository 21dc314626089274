// Trace ids: drawn non-zero below 2^53, and read from the spellings other
// systems send (decimal, W3C traceparent, hex).
#include "trace_id.hpp"

#include <gtest/gtest.h>

#include <set>

namespace sluice::builtins {
namespace {

TEST(TraceIds, DrawsDistinctNonZeroIdsBelowTwoToThe53) {
  TraceIds ids;
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 100'000; ++i) {
    const std::uint64_t id = ids.next();
    EXPECT_NE(id, 0u);
    EXPECT_LE(id, kMaxTraceId);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100'000u);
  EXPECT_GT(*seen.rbegin(), kMaxTraceId / 2) << "the ids use the high bits too";
}

TEST(TraceIds, TwoGeneratorsDrawDifferentSequences) {
  TraceIds a, b;
  EXPECT_NE(a.next(), b.next());
  TraceIds c(7), d(7);
  EXPECT_EQ(c.next(), d.next()) << "a seed repeats its sequence";
}

TEST(DerivedTraceId, IsTheSameForTheSameInputsAndScattered) {
  const std::uint64_t salt = stable_hash("ORDERS");
  EXPECT_EQ(salt, stable_hash("ORDERS"));
  EXPECT_NE(salt, stable_hash("ORDERs"));
  EXPECT_EQ(stable_hash(""), 0xcbf29ce484222325ULL) << "FNV-1a's offset basis";
  std::set<std::uint64_t> seen;
  for (std::uint64_t n = 0; n < 10'000; ++n) {
    const std::uint64_t id = derived_trace_id(salt, n);
    EXPECT_EQ(id, derived_trace_id(salt, n));
    EXPECT_NE(id, 0u);
    EXPECT_LE(id, kMaxTraceId);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 10'000u);
  EXPECT_NE(derived_trace_id(salt, 1), derived_trace_id(stable_hash("OTHER"), 1));
}

TEST(ParseTraceId, ReadsDecimalAsSluiceWritesIt) {
  EXPECT_EQ(parse_trace_id("12345"), 12345u);
  EXPECT_EQ(parse_trace_id(" 9007199254740991 "), kMaxTraceId);
  EXPECT_EQ(parse_trace_id("9007199254740992"), std::nullopt) << "2^53 reduces to 0: no id";
  EXPECT_EQ(parse_trace_id("9007199254740993"), 1u) << "the low 53 bits";
  EXPECT_EQ(parse_trace_id("0"), std::nullopt);
  EXPECT_EQ(parse_trace_id("99999999999999999999999"), std::nullopt) << "past 2^64";
}

TEST(ParseTraceId, ReadsTheTraceIdOfAW3CTraceparent) {
  // The example of the W3C Trace Context recommendation.
  const auto id = parse_trace_id("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(id, 0xa3ce929d0e0e4736ULL & kMaxTraceId);
  EXPECT_EQ(parse_trace_id("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), std::nullopt)
      << "the all-zero trace id is invalid";
  EXPECT_EQ(parse_trace_id("00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01"),
            std::nullopt);
}

TEST(ParseTraceId, ReadsHexWithOrWithoutItsPrefix) {
  EXPECT_EQ(parse_trace_id("0x1f"), 31u);
  EXPECT_EQ(parse_trace_id("a3ce929d0e0e4736"), 0xa3ce929d0e0e4736ULL & kMaxTraceId);
  EXPECT_EQ(parse_trace_id("4bf92f3577b34da6a3ce929d0e0e4736"), 0xa3ce929d0e0e4736ULL & kMaxTraceId)
      << "of 128 bits the low 64";
  EXPECT_EQ(parse_trace_id(std::string(33, 'a')), std::nullopt);
}

TEST(ParseTraceId, RefusesWhatSpellsNoId) {
  for (const char* bad : {"", " ", "abc-def", "0x", "-1", "1.5", "trace"}) {
    EXPECT_EQ(parse_trace_id(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace sluice::builtins
