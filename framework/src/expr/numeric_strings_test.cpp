// awk's rule for a string that reads as a number (docs/expressions.md): it
// compares and does arithmetic as that number when it meets a number.
#include <gtest/gtest.h>

#include <string>

#include "expr/expression.hpp"
#include "expr/test_eval.hpp"
#include "expr/value.hpp"

namespace sluice::expr {
namespace {

Message sample() {
  Message m;
  m.payload = R"({"size": "150", "na": "N/A", "n": 42})";
  m.key = "5 9 12";
  m.seq = 7;
  m.priority = 2;
  m.attrs.set("five", "5");
  m.attrs.set("ten", " 10 ");
  return m;
}

std::string eval(std::string_view src, const Message& m = sample()) {
  return test_eval::rendered(src, m);
}

bool check(std::string_view src, const Message& m = sample()) { return test_eval::holds(src, m); }

TEST(NumericStrings, ReadNumber) {
  const auto num = [](std::string_view s) -> std::string {
    const auto v = read_number(s);
    if (!v) return "none";
    TextBuf buf;
    return std::string(v->kind == Kind::integer ? "i:" : "f:") + std::string(text_of(*v, buf));
  };
  EXPECT_EQ(num("42"), "i:42");
  EXPECT_EQ(num(" 42\t"), "i:42");
  EXPECT_EQ(num("+7"), "i:7");
  EXPECT_EQ(num("-0"), "i:0");
  EXPECT_EQ(num("007"), "i:7");
  EXPECT_EQ(num("-1.5"), "f:-1.5");
  EXPECT_EQ(num("1e3"), "f:1000");
  EXPECT_EQ(num(".5"), "f:0.5");
  EXPECT_EQ(num("5."), "f:5");
  EXPECT_EQ(num("9223372036854775808"), "f:9223372036854775808");
  for (const char* s :
       {"",         " ",  "+",  "-",   ".",   "abc", "5 apples", "0x10", "inf",   "nan",
        "Infinity", "1e", "e5", "1e+", "--5", "+-5", "1_000",    "1,5",  "1e400", "5 5"}) {
    EXPECT_EQ(num(s), "none") << s;
  }
}

TEST(NumericStrings, ComparisonWithANumberIsNumeric) {
  // The reproduction of issue 16: "5" and "9" are not greater than 10.
  EXPECT_FALSE(check("split(key, \" \")[0] > 10"));
  EXPECT_FALSE(check("split(key, \" \")[1] > 10"));
  EXPECT_TRUE(check("split(key, \" \")[2] > 10"));
  EXPECT_TRUE(check("10 > \"9\""));
  EXPECT_TRUE(check("\"9\" < 10"));
  EXPECT_TRUE(check(".size > 100"));
  EXPECT_TRUE(check(".size < 1000"));
  EXPECT_TRUE(check("seq > \"10\" == false"));
  EXPECT_TRUE(check("seq < \"10\""));
  EXPECT_TRUE(check("attrs.ten >= 10 && attrs.ten <= 10.0"));
  EXPECT_TRUE(check("\"1e3\" == 1000"));
  EXPECT_TRUE(check("\"5.0\" == 5"));
  EXPECT_TRUE(check("\" 5 \" == 5"));
  EXPECT_FALSE(check("\"5.0\" != 5"));
  EXPECT_TRUE(check("\"5\" in [1, 5]"));
  EXPECT_TRUE(check("5 in [\"05\"]"));
  EXPECT_TRUE(check("\"9223372036854775807\" < 9223372036854775808.0"));
}

TEST(NumericStrings, TwoStringsStayText) {
  EXPECT_FALSE(check("\"10\" > \"9\""));
  EXPECT_FALSE(check("\"5.0\" == \"5\""));
  EXPECT_TRUE(check("int(\"10\") > int(\"9\")"));
}

TEST(NumericStrings, ANumberAndANonNumericStringDoNotOrder) {
  // Neither side of "N/A" versus 100 holds, as with null.
  EXPECT_FALSE(check(".na > 100"));
  EXPECT_FALSE(check(".na <= 100"));
  EXPECT_FALSE(check("\"abc\" > 10"));
  EXPECT_FALSE(check("\"abc\" < 10"));
  EXPECT_FALSE(check("\"\" < 1"));
  EXPECT_FALSE(check("\"abc\" == 10"));
  EXPECT_TRUE(check("\"abc\" != 10"));
  EXPECT_FALSE(check("\"inf\" > 1"));
  EXPECT_FALSE(check("true > 0"));
}

TEST(NumericStrings, Arithmetic) {
  EXPECT_EQ(eval("\"5\" + 1"), "6");
  EXPECT_EQ(eval("1 + \"5\""), "6");
  EXPECT_EQ(eval("\"5\" * 2"), "10");
  EXPECT_EQ(eval("\"5\" - 2"), "3");
  EXPECT_EQ(eval("\"7\" / 2"), "3");
  EXPECT_EQ(eval("\"7\" % 4"), "3");
  EXPECT_EQ(eval("\"2.5\" * 2"), "5");
  EXPECT_EQ(eval("\"6\" * \"7\""), "42");  // no other meaning: both read as numbers
  EXPECT_EQ(eval("attrs.ten - attrs.five"), "5");
  EXPECT_EQ(eval("-attrs.five"), "-5");
  EXPECT_EQ(eval(".size + 1"), "151");
  EXPECT_EQ(eval("\"9223372036854775807\" + 1"), "9223372036854775808");
  EXPECT_TRUE(check("(\"5\" / 0) == null"));
  EXPECT_TRUE(check("(\"a\" * 2) == null"));
  EXPECT_TRUE(check("(-\"a\") == null"));
}

TEST(NumericStrings, PlusConcatenatesOtherwise) {
  EXPECT_EQ(eval("\"5\" + \"1\""), "51");  // two strings
  EXPECT_EQ(eval("\"a\" + 1"), "a1");      // a string that does not read as a number
  EXPECT_EQ(eval("1 + \"5 apples\""), "15 apples");
  EXPECT_EQ(eval("\"5\" + null"), "5");
  EXPECT_EQ(eval("\"5\" + true"), "5true");
  EXPECT_EQ(eval("key + seq"), "5 9 127");
}

}  // namespace
}  // namespace sluice::expr
