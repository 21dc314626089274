#include "expr/time_functions.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "expr/expression.hpp"
#include "expr/test_eval.hpp"

namespace sluice::expr {
namespace {

Message sample() {
  Message m;
  m.payload = R"({"ts": "2026-12-04T19:52:25.123Z", "epoch": 1796413945})";
  m.attrs.set("clf", "04/Dec/2026:19:52:25 +0100");
  return m;
}

std::string eval(std::string_view src) { return test_eval::rendered(src, sample()); }

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST(TimeFunctions, NowIsTheSystemClockOncePerEvaluation) {
  const double before = seconds_now();
  const double t = std::stod(eval("now()"));
  const double after = seconds_now();
  EXPECT_GE(t, before - 0.001);  // the text keeps the shortest round-trip digits
  EXPECT_LE(t, after + 0.001);
  EXPECT_EQ(eval("now() == now()"), "true");
  auto tpl = Template::compile("{now()} {now()}");
  ASSERT_TRUE(tpl);
  const std::string both = tpl->render(sample());
  const auto space = both.find(' ');
  EXPECT_EQ(both.substr(0, space), both.substr(space + 1));  // one time for all the parts
}

TEST(TimeFunctions, FormatTimeIsRfc3339WithMillisecondsInUtc) {
  EXPECT_EQ(eval("format_time(0)"), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(eval("format_time(1796413945.123)"), "2026-12-04T19:52:25.123Z");
  EXPECT_EQ(eval("format_time(1.0005)"), "1970-01-01T00:00:01.001Z");  // nearest millisecond
  EXPECT_EQ(eval("format_time(-0.5)"), "1969-12-31T23:59:59.500Z");
  EXPECT_EQ(eval("format_time(.epoch)"), "2026-12-04T19:52:25.000Z");
  EXPECT_EQ(eval(R"(format_time("86400"))"), "1970-01-02T00:00:00.000Z");  // reads as a number
  EXPECT_EQ(eval("format_time(253402300799)"), "9999-12-31T23:59:59.000Z");
  EXPECT_EQ(eval("format_time(-62135596800)"), "0001-01-01T00:00:00.000Z");
}

TEST(TimeFunctions, FormatTimeWithAStrftimeFormat) {
  EXPECT_EQ(eval(R"(format_time(1796413945.9, "%Y-%m-%d %H:%M:%S"))"), "2026-12-04 19:52:25");
  EXPECT_EQ(eval(R"(format_time(1796413945, "%d/%b/%Y:%H:%M:%S %z"))"),
            "04/Dec/2026:19:52:25 +0000");
  EXPECT_EQ(eval(R"(format_time(0, "%A %j %%"))"), "Thursday 001 %");
  EXPECT_EQ(eval(R"(format_time(0, ""))"), "");
  EXPECT_EQ(eval(R"(len(format_time(0, "%Y ")) )"), "5");  // a trailing space is kept
  const std::string long_format(5000, 'x');
  EXPECT_EQ(eval("len(format_time(0, \"" + long_format + "%Y\"))"), "5004");
}

TEST(TimeFunctions, FormatTimeOfWhatIsNotATimeIsNull) {
  for (const char* src :
       {"format_time(null)", R"(format_time("soon"))", "format_time(true)", "format_time(1e300)",
        "format_time(0.0 / 0)", "format_time(253402300800)", "format_time(-62135596801)",
        "format_time(253402300799.9999)", R"(format_time(0, null))"}) {
    EXPECT_EQ(eval(std::string(src) + " == null"), "true") << src;
  }
}

TEST(TimeFunctions, ParseTimeReadsRfc3339) {
  EXPECT_EQ(eval(R"(parse_time("1970-01-02T00:00:00Z"))"), "86400");
  EXPECT_EQ(eval(R"(parse_time(.ts))"), "1796413945.123");
  EXPECT_EQ(eval(R"(parse_time("1970-01-01T01:00:00+01:00"))"), "0");
  EXPECT_EQ(eval(R"(parse_time("1970-01-01 00:00:00-00:30"))"), "1800");
  EXPECT_EQ(eval(R"(parse_time(" 1970-01-01t00:00:01z "))"), "1");
  EXPECT_EQ(eval(R"(parse_time("1970-01-01T00:00:00"))"), "0");  // no offset: UTC
  EXPECT_EQ(eval(R"(parse_time("2024-02-29T00:00:00Z") - parse_time("2024-02-28T00:00:00Z"))"),
            "86400");
  EXPECT_EQ(eval(R"(parse_time(format_time(1796413945.123)))"), "1796413945.123");
  EXPECT_EQ(eval(R"(parse_time("0001-01-01T00:00:00Z"))"), "-62135596800");
}

TEST(TimeFunctions, ParseTimeWithAStrptimeFormat) {
  EXPECT_EQ(eval(R"(parse_time(attrs.clf, "%d/%b/%Y:%H:%M:%S %z"))"), "1796410345");
  EXPECT_EQ(eval(R"(parse_time("2026-12-04", "%Y-%m-%d"))"), "1796342400");
  EXPECT_EQ(eval(R"(parse_time("01:02", "%H:%M"))"), "3720");  // on 1970-01-01
}

TEST(TimeFunctions, ParseTimeOfWhatDoesNotMatchIsNull) {
  for (const char* src :
       {R"(parse_time("yesterday"))", R"(parse_time(""))", "parse_time(null)",
        R"(parse_time("2026-13-01T00:00:00Z"))", R"(parse_time("2026-02-30T00:00:00Z"))",
        R"(parse_time("2026-12-04T24:00:00Z"))", R"(parse_time("2026-12-04T10:00:00+1:00"))",
        R"(parse_time("2026-12-04T10:00:00.Z"))", R"(parse_time("2026-12-04T10:00:00Z trailing"))",
        R"(parse_time("0000-01-01T00:00:00Z"))", R"(parse_time("2026-12-04 x", "%Y-%m-%d"))",
        R"(parse_time("12/04/2026", "%Y-%m-%d"))", R"(parse_time("2026-12-04", null))"}) {
    EXPECT_EQ(eval(std::string(src) + " == null"), "true") << src;
  }
}

TEST(TimeFunctions, ParseTimeDoesNotDependOnTheLocalZone) {
  const char* old = std::getenv("TZ");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("TZ", "America/New_York", 1);
  ::tzset();
  EXPECT_EQ(eval(R"(parse_time("2026-12-04", "%Y-%m-%d"))"), "1796342400");
  EXPECT_EQ(eval(R"(format_time(1796342400, "%H:%M"))"), "00:00");
  if (old != nullptr) {
    ::setenv("TZ", saved.c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
  ::tzset();
}

}  // namespace
}  // namespace sluice::expr
