#include "expr/functions.hpp"

#include <gtest/gtest.h>

#include <string>

#include "expr/expression.hpp"
#include "expr/test_eval.hpp"

namespace sluice::expr {
namespace {

Message sample() {
  Message m;
  m.payload = R"({"name": "  Ann Lee ", "n": "12", "tags": ["a", "b"], "x": 1.5})";
  m.key = "User-3";
  m.seq = 7;
  m.attrs.set("csv", "a,b,,c");
  return m;
}

std::string eval(std::string_view src) { return test_eval::rendered(src, sample()); }

bool check(std::string_view src) { return test_eval::holds(src, sample()); }

TEST(Functions, Case) {
  EXPECT_EQ(eval("lower(key)"), "user-3");
  EXPECT_EQ(eval("upper(key)"), "USER-3");
  EXPECT_EQ(eval("lower(\"already\")"), "already");
  EXPECT_EQ(eval("upper(12)"), "12");
  EXPECT_EQ(eval("upper(\"\xC3\xA9"
                 "a\")"),
            "\xC3\x89"
            "A");  // UTF-8 letters too: é -> É
  EXPECT_TRUE(check("lower(null) == null"));
}

TEST(Functions, Trim) {
  EXPECT_EQ(eval("\"[\" + trim(.name) + \"]\""), "[Ann Lee]");
  EXPECT_EQ(eval("\"[\" + trim(\" \t \") + \"]\""), "[]");
  EXPECT_TRUE(check("trim(null) == null"));
}

TEST(Functions, Len) {
  EXPECT_EQ(eval("len(key)"), "6");
  EXPECT_EQ(eval("len(\"\")"), "0");
  EXPECT_EQ(eval("len(split(attrs.csv, \",\"))"), "4");
  EXPECT_EQ(eval("len(.tags)"), "2");
  EXPECT_EQ(eval("len(12345)"), "5");
  EXPECT_EQ(eval("len(null)"), "0");
  EXPECT_EQ(eval("len([1, 2, 3])"), "3");
}

TEST(Functions, Split) {
  EXPECT_EQ(eval("split(attrs.csv, \",\")"), R"(["a","b","","c"])");
  EXPECT_EQ(eval("split(attrs.csv, \",\")[3]"), "c");
  EXPECT_EQ(eval("split(key, \"-\")[1]"), "3");
  EXPECT_EQ(eval("split(\"a::b\", \"::\")"), R"(["a","b"])");
  EXPECT_EQ(eval("split(\"abc\", \"\")"), R"(["abc"])");
  EXPECT_EQ(eval("split(\"\", \",\")"), R"([""])");
  EXPECT_EQ(eval("split(1.5, \".\")[1]"), "5");
  EXPECT_TRUE(check("split(null, \",\") == null"));
}

TEST(Functions, Substr) {
  EXPECT_EQ(eval("substr(key, 0, 4)"), "User");
  EXPECT_EQ(eval("substr(key, 5, 100)"), "3");
  EXPECT_EQ(eval("substr(key, -1, 1)"), "3");
  EXPECT_EQ(eval("substr(key, -100, 2)"), "Us");
  EXPECT_EQ(eval("substr(key, 6, 1)"), "");
  EXPECT_EQ(eval("substr(key, 2, -1)"), "");
  EXPECT_EQ(eval("substr(seq * 1000, 1, 2)"), "00");
  EXPECT_TRUE(check("substr(null, 0, 1) == null"));
  EXPECT_TRUE(check("substr(key, null, 1) == null"));
}

TEST(Functions, Conversions) {
  EXPECT_EQ(eval("int(.n) + 1"), "13");
  EXPECT_EQ(eval("int(\"-4\")"), "-4");
  EXPECT_EQ(eval("int(.x)"), "1");
  EXPECT_EQ(eval("int(true)"), "1");
  EXPECT_TRUE(check("int(\"abc\") == null"));
  EXPECT_TRUE(check("int(null) == null"));
  EXPECT_EQ(eval("float(.n) / 8"), "1.5");
  EXPECT_EQ(eval("float(3)"), "3");
  EXPECT_TRUE(check("float(\"x\") == null"));
  EXPECT_EQ(eval("str(seq) + str(1.5) + str(true) + str(null)"), "71.5true");
  EXPECT_TRUE(check("str(seq) == \"7\""));
  EXPECT_TRUE(check("str(null) == \"\""));
  EXPECT_TRUE(check("int(.n) > 9"));  // numeric after conversion
  EXPECT_TRUE(check(".n > 9"));       // a string that reads as a number meets a number
  EXPECT_EQ(eval("str(split(\"a,b\", \",\"))"), R"(["a","b"])");
}

TEST(Functions, HashIsStableFnv1a) {
  EXPECT_EQ(eval("hash(\"\")"), "5472609002491880229");
  EXPECT_EQ(eval("hash(\"a\")"), "3414815163700866188");
  EXPECT_EQ(eval("hash(7)"), "3414760188119455638");  // the textual form is hashed
  EXPECT_TRUE(check("hash(seq) == hash(\"7\")"));
  EXPECT_TRUE(check("hash(key) % 4 >= 0 && hash(key) % 4 < 4"));
  EXPECT_EQ(detail::stable_hash("user-3"), 8668202959823851322);
}

TEST(Functions, Coalesce) {
  EXPECT_EQ(eval("coalesce(.missing, attrs.none, key)"), "User-3");
  EXPECT_EQ(eval("coalesce(.missing, \"\", key)"), "");  // "" is not null
  EXPECT_EQ(eval("coalesce(seq)"), "7");
  EXPECT_TRUE(check("coalesce(null, null) == null"));
  EXPECT_EQ(eval("coalesce(seq, 1 / 0)"), "7");
}

TEST(Functions, Table) {
  ASSERT_NE(detail::find_function("substr"), nullptr);
  EXPECT_EQ(detail::find_function("substr")->min_args, 3);
  EXPECT_EQ(detail::find_function("nope"), nullptr);
  EXPECT_EQ(detail::all_functions().size(), 18U);
  ASSERT_NE(detail::find_function("format_time"), nullptr);
  EXPECT_EQ(detail::find_function("format_time")->min_args, 1);
  EXPECT_EQ(detail::find_function("format_time")->max_args, 2);
}

}  // namespace
}  // namespace sluice::expr
