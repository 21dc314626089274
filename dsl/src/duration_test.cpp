#include "sluice/dsl/duration.hpp"

#include <gtest/gtest.h>

namespace sluice::dsl {
namespace {

TEST(Duration, ParsesEveryUnit) {
  EXPECT_EQ(*parse_duration("7ns"), 7);
  EXPECT_EQ(*parse_duration("3us"), 3'000);
  EXPECT_EQ(*parse_duration("250ms"), 250'000'000);
  EXPECT_EQ(*parse_duration("2s"), 2 * kNanosPerSecond);
  EXPECT_EQ(*parse_duration("1m"), 60 * kNanosPerSecond);
  EXPECT_EQ(*parse_duration("2h"), 7200 * kNanosPerSecond);
}

TEST(Duration, ParsesFractionsExactly) {
  EXPECT_EQ(*parse_duration("1.5s"), 1'500'000'000);
  EXPECT_EQ(*parse_duration("0.1s"), 100'000'000);
  EXPECT_EQ(*parse_duration(".5ms"), 500'000);
  EXPECT_EQ(*parse_duration("0s"), 0);
}

TEST(Duration, RejectsBadSpellings) {
  for (const char* bad : {"10 sec", "10", "s", "", "-1s", "1.5", "10sec", "1e3ms", "1..2s"}) {
    auto r = parse_duration(bad);
    EXPECT_FALSE(r.has_value()) << bad;
    if (!r) {
      EXPECT_NE(r.error().find(bad), std::string::npos) << r.error();
    }
  }
  EXPECT_FALSE(parse_duration("99999999999999999999h").has_value());
}

TEST(Duration, SaysWhatWasMeant) {
  const auto error = [](std::string_view text) { return parse_duration(text).error(); };
  EXPECT_EQ(error("10 sec"),
            "invalid duration \"10 sec\": no space is allowed before the unit (did you mean "
            "\"10s\"?)");
  EXPECT_EQ(error("500 millis"),
            "invalid duration \"500 millis\": no space is allowed before the unit (did you mean "
            "\"500ms\"?)");
  EXPECT_EQ(error("1.5 fortnights"),
            "invalid duration \"1.5 fortnights\": unknown unit 'fortnights'");
  EXPECT_EQ(error("5sec"), "invalid duration \"5sec\": unknown unit 'sec' (did you mean \"5s\"?)");
  EXPECT_EQ(error("100MS"),
            "invalid duration \"100MS\": unknown unit 'MS' (did you mean \"100ms\"?)");
  EXPECT_EQ(error("1h30m"),
            "invalid duration \"1h30m\": one number and one unit only (did you mean \"1.5h\"?)");
  EXPECT_EQ(error("1m30s"),
            "invalid duration \"1m30s\": one number and one unit only (did you mean \"1.5m\"?)");
  EXPECT_EQ(error("10x"), "invalid duration \"10x\": unknown unit 'x'");
}

TEST(Duration, FormatsShortestExactSpelling) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(1'500'000'000), "1.5s");
  EXPECT_EQ(format_duration(250'000'000), "250ms");
  EXPECT_EQ(format_duration(60 * kNanosPerSecond), "1m");
  EXPECT_EQ(format_duration(1'250'000), "1.25ms");
  EXPECT_EQ(format_duration(7), "7ns");
  for (Nanos ns : {Nanos{1}, Nanos{1'500}, Nanos{90 * kNanosPerSecond}, Nanos{123'456'789}}) {
    EXPECT_EQ(*parse_duration(format_duration(ns)), ns) << format_duration(ns);
  }
}

}  // namespace
}  // namespace sluice::dsl
