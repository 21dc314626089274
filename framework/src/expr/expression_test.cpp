#include "expr/expression.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "expr/test_eval.hpp"

namespace sluice::expr {
namespace {

Message sample() {
  Message m;
  m.payload = R"({"status": 503, "service": "api", "user": {"id": 42, "name": "A\"n"},)"
              R"( "items": [{"sku": "x1"}, {"sku": "x2"}], "ratio": 0.5, "ok": true, "none": null,)"
              R"( "tags": [], "code": "200", "m": [[1, 2], [3, 4]], "odd key": 1})";
  m.key = "user-3";
  m.priority = 2;
  m.seq = 7;
  m.trace_id = 99;
  m.value = -5;
  m.ingest_ns = 1000;
  m.attrs.set("tenant", "acme");
  m.attrs.set("x-y", "dash");
  m.attrs.set("re", "^ac");
  m.attrs.set("bad_re", "(");
  return m;
}

std::string eval(std::string_view src, const Message& m = sample()) {
  return test_eval::rendered(src, m);
}

bool check(std::string_view src, const Message& m = sample()) { return test_eval::holds(src, m); }

bool is_null(std::string_view src, const Message& m = sample()) {
  std::string wrapped = "(";  // not `"(" + ...`: GCC 12 -O3 -Wrestrict false positive
  wrapped.append(src).append(") == null");
  return check(wrapped, m);
}

TEST(Expression, ArithmeticPrecedence) {
  EXPECT_EQ(eval("1 + 2 * 3"), "7");
  EXPECT_EQ(eval("(1 + 2) * 3"), "9");
  EXPECT_EQ(eval("10 - 4 - 3"), "3");
  EXPECT_EQ(eval("100 / 10 / 5"), "2");
  EXPECT_EQ(eval("7 / 2"), "3");
  EXPECT_EQ(eval("-7 / 2"), "-3");
  EXPECT_EQ(eval("7 % 3 + 1"), "2");
  EXPECT_EQ(eval("-2 * -3"), "6");
  EXPECT_EQ(eval("2 * -3"), "-6");
  EXPECT_EQ(eval("-(1 + 2)"), "-3");
  EXPECT_EQ(eval("- seq"), "-7");
  EXPECT_EQ(eval("--seq"), "7");
  EXPECT_EQ(eval("split(\"a,b,c\", \",\")[1 + 1]"), "c");
}

TEST(Expression, LogicalPrecedence) {
  EXPECT_TRUE(check("true || false && false"));  // && binds tighter than ||
  EXPECT_FALSE(check("(true || false) && false"));
  EXPECT_TRUE(check("!1 == 2"));           // ! binds looser than ==: !(1 == 2)
  EXPECT_FALSE(check("!false && false"));  // ... but tighter than &&
  EXPECT_TRUE(check("!true || true"));
  EXPECT_TRUE(check("!!seq"));
  EXPECT_TRUE(check("1 + 2 == 3"));
  EXPECT_TRUE(check("\"a\" + \"b\" == \"ab\""));
  EXPECT_TRUE(check("seq > 5 && key starts_with \"user\" || false"));
  EXPECT_EQ(eval("true && 5"), "true");  // logical operators give booleans
  EXPECT_EQ(eval("0 || \"\""), "false");
}

TEST(Expression, ShortCircuit) {
  // The right side would be a division by zero (null), but it is never needed.
  EXPECT_TRUE(check("true || 1 / 0"));
  EXPECT_FALSE(check("false && 1 / 0 == null"));
}

TEST(Expression, FloatArithmetic) {
  EXPECT_EQ(eval("1.5 + 1"), "2.5");
  EXPECT_EQ(eval("7.0 / 2"), "3.5");
  EXPECT_EQ(eval("5.5 % 2"), "1.5");
  EXPECT_EQ(eval("0.1 + 0.2"), "0.30000000000000004");
  EXPECT_EQ(eval("1e20 * 1"), "1e+20");
  EXPECT_EQ(eval("-2.5"), "-2.5");
  EXPECT_EQ(eval("3.0"), "3");
}

TEST(Expression, IntegersAndFloatsCompareExactly) {
  // Converting 2^63 - 1 to a double would round it to 2^63.
  EXPECT_TRUE(check("9223372036854775807 < 9223372036854775808.0"));
  EXPECT_FALSE(check("9223372036854775807 == 9223372036854775808.0"));
  EXPECT_TRUE(check("9223372036854775808.0 > 9223372036854775807"));
  EXPECT_TRUE(check("9007199254740993 > 9007199254740992.0"));  // 2^53 + 1
  EXPECT_TRUE(check("-9223372036854775807 - 1 == -9223372036854775808.0"));
  EXPECT_TRUE(check("-9223372036854775807 - 1 > -9223372036854775809.0 - 4096"));
  EXPECT_TRUE(check("2 == 2.0"));
  EXPECT_TRUE(check("2 < 2.5"));
  EXPECT_TRUE(check("-2 > -2.5"));
  EXPECT_TRUE(check("-3 < -2.5"));
  EXPECT_TRUE(check("2.5 > 2"));
  EXPECT_FALSE(check("1 < 0.0 / 1 - 1.0"));
  EXPECT_FALSE(check("1 == float(\"nan\")"));
  EXPECT_FALSE(check("1 < float(\"nan\")"));
  EXPECT_FALSE(check("float(\"nan\") > 1"));
}

TEST(Expression, DivisionByZeroIsNull) {
  EXPECT_TRUE(is_null("1 / 0"));
  EXPECT_TRUE(is_null("1.0 / 0"));
  EXPECT_TRUE(is_null("5 % 0"));
  EXPECT_TRUE(is_null("5.5 % 0.0"));
  EXPECT_EQ(eval("1 / 0"), "");
}

TEST(Expression, IntegerOverflowGivesTheExactResultAsAFloat) {
  // The exact result, as a float (as a JSON number outside int64 reads), never wrapped.
  EXPECT_EQ(eval("9223372036854775807 + 1"), "9223372036854775808");
  EXPECT_EQ(eval("-9223372036854775807 - 1 - 1"), "-9223372036854775808");
  EXPECT_EQ(eval("9223372036854775807 * 2"), "18446744073709551616");
  EXPECT_EQ(eval("(-9223372036854775807 - 1) * -1"), "9223372036854775808");
  EXPECT_EQ(eval("(-9223372036854775807 - 1) / -1"), "9223372036854775808");
  EXPECT_EQ(eval("-(-9223372036854775807 - 1)"), "9223372036854775808");
  EXPECT_EQ(eval("-(-(-9223372036854775807 - 1))"), "-9223372036854775808");
  EXPECT_TRUE(check("9223372036854775807 + 1 > 9223372036854775807"));
  EXPECT_TRUE(check("-9223372036854775807 - 2 < 0"));
  EXPECT_TRUE(check("4611686018427387904 * 4 > 0"));  // 2^62 * 4 = 2^64
  EXPECT_FALSE(check("9223372036854775807 + 1 == 9223372036854775807"));
  EXPECT_TRUE(check("9223372036854775807 + 1 != 9223372036854775807"));
  // The int64 edges themselves stay integers.
  EXPECT_EQ(eval("9223372036854775806 + 1"), "9223372036854775807");
  EXPECT_EQ(eval("-9223372036854775807 - 1"), "-9223372036854775808");
  EXPECT_EQ(eval("(-9223372036854775807 - 1) % -1"), "0");
  EXPECT_EQ(eval("(-9223372036854775807 - 1) / 1"), "-9223372036854775808");
  EXPECT_EQ(eval("3037000499 * 3037000499"), "9223372030926249001");
  EXPECT_TRUE(check("int(9223372036854775807 + 1) == 9223372036854775807"));  // saturates
  Message m;
  m.value = std::numeric_limits<std::int64_t>::max();
  m.ingest_ns = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(eval("value + value", m), "18446744073709551616");
  EXPECT_EQ(eval("-ingest_ns", m), "9223372036854775808");
  EXPECT_EQ(eval("ingest_ns - 1", m), "-9223372036854775808");
}

TEST(Expression, PlusConcatenatesStrings) {
  EXPECT_EQ(eval("\"a\" + 1"), "a1");
  EXPECT_EQ(eval("1 + \"a\""), "1a");
  EXPECT_EQ(eval("\"x\" + 1.5"), "x1.5");
  EXPECT_EQ(eval("key + \"/\" + seq"), "user-3/7");
  EXPECT_EQ(eval("\"a\" + null"), "a");
  EXPECT_TRUE(is_null("null + 1"));
  EXPECT_TRUE(is_null("true + 1"));
  EXPECT_TRUE(is_null("\"a\" - 1"));
}

TEST(Expression, Comparisons) {
  EXPECT_TRUE(check("10 > 9"));
  EXPECT_FALSE(check("\"10\" > \"9\""));  // two strings: textual
  EXPECT_TRUE(check("10 > \"9\""));       // a string that reads as a number: numeric
  EXPECT_TRUE(check("1 == 1.0"));
  EXPECT_TRUE(check("2.5 < 3"));
  EXPECT_TRUE(check("3 <= 3"));
  EXPECT_TRUE(check("3 >= 3"));
  EXPECT_FALSE(check("3 != 3"));
  EXPECT_TRUE(check("\"abc\" < \"abd\""));
  EXPECT_TRUE(check("\"b\" >= \"a\""));
  EXPECT_TRUE(check("1 == \"1\""));
  EXPECT_TRUE(check("true == \"true\""));
  EXPECT_TRUE(check("seq == 7 && priority != 1 && value < 0"));
}

TEST(Expression, NullSemantics) {
  EXPECT_TRUE(check("null == null"));
  EXPECT_FALSE(check("null != null"));
  EXPECT_FALSE(check("null == 0"));
  EXPECT_FALSE(check("null == \"\""));
  EXPECT_TRUE(check("null != 1"));
  EXPECT_FALSE(check("null < 1"));
  EXPECT_FALSE(check("null <= 1"));
  EXPECT_FALSE(check("null > 1"));
  EXPECT_FALSE(check("1 >= null"));
  EXPECT_FALSE(check("null contains \"\""));
  EXPECT_FALSE(check("\"abc\" contains null"));
  EXPECT_FALSE(check("null starts_with \"\""));
  EXPECT_FALSE(check("null ends_with \"\""));
  EXPECT_FALSE(check("null matches \".*\""));
  EXPECT_FALSE(check("null in [null, 1]"));
  EXPECT_TRUE(check(".missing == null"));
  EXPECT_TRUE(check("attrs.missing == null"));
}

TEST(Expression, StringOperators) {
  EXPECT_TRUE(check("\"hello\" contains \"ell\""));
  EXPECT_FALSE(check("\"hello\" contains \"xyz\""));
  EXPECT_TRUE(check("key starts_with \"user-\""));
  EXPECT_FALSE(check("key starts_with \"-3\""));
  EXPECT_TRUE(check("key ends_with \"-3\""));
  EXPECT_TRUE(check("123 starts_with 12"));
  EXPECT_TRUE(check("split(\"a,b\", \",\") contains \"b\""));
  EXPECT_FALSE(check("split(\"a,bc\", \",\") contains \"b\""));
}

TEST(Expression, InList) {
  EXPECT_TRUE(check("key in [\"a\", \"user-3\"]"));
  EXPECT_FALSE(check("key in [\"a\", \"b\"]"));
  EXPECT_TRUE(check("5 in [1, 5]"));
  EXPECT_TRUE(check("5 in [1, 5.0]"));
  EXPECT_TRUE(check("seq in [1, seq]"));
  EXPECT_FALSE(check("1 in []"));
  EXPECT_TRUE(check("\"b\" in split(\"a,b\", \",\")"));
  EXPECT_TRUE(check("\"ell\" in \"hello\""));
  EXPECT_TRUE(check("3 in .m[1]"));
  EXPECT_FALSE(check("5 in .m[1]"));
  EXPECT_TRUE(check("!(key in [\"a\"])"));
}

TEST(Expression, Matches) {
  EXPECT_TRUE(check("key matches \"^user-[0-9]+$\""));
  EXPECT_TRUE(check("\"abc\" matches \"b\""));  // unanchored
  EXPECT_FALSE(check("\"abc\" matches \"^b\""));
  EXPECT_TRUE(check("seq matches \"^7$\""));
  EXPECT_TRUE(check("attrs.tenant matches attrs.re"));  // pattern computed per message
  EXPECT_FALSE(check("attrs.tenant matches attrs.bad_re"));
  EXPECT_FALSE(check("attrs.tenant matches attrs.missing"));
  EXPECT_TRUE(check("\"a.b\" matches 'a\\\\.b'"));
}

TEST(Expression, Fields) {
  Message m = sample();
  EXPECT_EQ(eval("key", m), "user-3");
  EXPECT_EQ(eval("priority", m), "2");
  EXPECT_EQ(eval("seq", m), "7");
  EXPECT_EQ(eval("trace_id", m), "99");
  EXPECT_EQ(eval("value", m), "-5");
  EXPECT_EQ(eval("ingest_ns", m), "1000");
  EXPECT_EQ(eval("attrs.tenant", m), "acme");
  EXPECT_EQ(eval("attrs[\"x-y\"]", m), "dash");
  EXPECT_EQ(eval("attrs.missing", m), "");
  m.payload = "plain text";
  EXPECT_EQ(eval("payload", m), "plain text");
}

TEST(Expression, JsonPaths) {
  EXPECT_TRUE(check(R"(.status >= 500 && .service != "health")"));
  EXPECT_EQ(eval(".user.id"), "42");
  EXPECT_EQ(eval(".user.name"), "A\"n");
  EXPECT_EQ(eval(".items[0].sku"), "x1");
  EXPECT_EQ(eval(".items[1].sku"), "x2");
  EXPECT_EQ(eval(".items[-1].sku"), "x2");
  EXPECT_EQ(eval(".m[1][0]"), "3");
  EXPECT_EQ(eval(".items[seq - 6].sku"), "x2");  // computed index
  EXPECT_EQ(eval(R"(.["odd key"])"), "1");
  EXPECT_EQ(eval(R"(.user["id"])"), "42");
  EXPECT_EQ(eval(R"(."user".id)"), "42");
  EXPECT_EQ(eval(".ratio * 2"), "1");
  EXPECT_EQ(eval(".items"), R"([{"sku": "x1"}, {"sku": "x2"}])");
  EXPECT_EQ(eval(".m[0]"), "[1, 2]");
  EXPECT_EQ(eval("len(.items)"), "2");
  EXPECT_EQ(eval("len(.user)"), "2");
  EXPECT_TRUE(check(".ok"));
  EXPECT_FALSE(check(".tags"));
  EXPECT_TRUE(check(".none == null"));
  EXPECT_TRUE(check(".code == 200"));   // a JSON string that reads as a number: numeric
  EXPECT_FALSE(check(".code > 1000"));  // numeric: 200 < 1000
  EXPECT_TRUE(check("int(.code) < 1000"));
  EXPECT_EQ(eval(".items[seq - 7].sku + .items[1][\"sku\"]"), "x1x2");
}

TEST(Expression, JsonMissingIsNull) {
  EXPECT_TRUE(is_null(".nope"));
  EXPECT_TRUE(is_null(".user.missing.deep"));
  EXPECT_TRUE(is_null(".items[5].sku"));
  EXPECT_TRUE(is_null(".items[-3]"));
  EXPECT_TRUE(is_null(".status.x"));
  EXPECT_TRUE(is_null(".items.sku"));
  EXPECT_TRUE(is_null(".user[0]"));
}

TEST(Expression, NonJsonPayloadGivesNull) {
  Message m = sample();
  for (const char* payload :
       {"plain text", "", R"({"status": 503)", R"({"status": 503} trailing)",
        R"({"status": 503, garbage)", R"({"status": 503}})", R"({"status": 503} {"x": 1})"}) {
    m.payload = payload;
    EXPECT_TRUE(is_null(".status", m)) << payload;
    EXPECT_FALSE(check(".status >= 500", m)) << payload;
  }
}

TEST(Expression, JsonNegativeIndexes) {
  EXPECT_EQ(eval(".items[-2].sku"), "x1");
  EXPECT_EQ(eval(".m[-1][-1]"), "4");
  EXPECT_EQ(eval(".m[-1][0]"), "3");
  EXPECT_EQ(eval("len(.m[-2])"), "2");
  EXPECT_EQ(eval(R"(.items[-1]["sku"])"), "x2");
  EXPECT_EQ(eval(".items[seq - 8].sku"), "x2");  // a computed index of -1
  EXPECT_EQ(eval(".items[seq - 9].sku"), "x1");
  EXPECT_TRUE(is_null(".items[seq - 10]"));
  EXPECT_TRUE(is_null(".m[-3]"));
  EXPECT_TRUE(is_null(".tags[-1]"));
}

TEST(Expression, JsonSeveralFieldsInOneExpression) {
  EXPECT_EQ(eval(".user.name + .service"), "A\"napi");  // an unescaped string, then another
  EXPECT_EQ(eval(".service + .user.name + .items[1].sku"), "apiA\"nx2");
  EXPECT_TRUE(check(".user.name == .user.name"));
  EXPECT_TRUE(check(".service != .code && .status > .user.id"));
  EXPECT_TRUE(check(".items[0].sku < .items[1].sku"));
  EXPECT_TRUE(check(".items[0] == .items[0] && .items[0] != .items[1]"));
  EXPECT_TRUE(check(".items[0] in .items"));
  EXPECT_FALSE(check(".user in .items"));
  EXPECT_TRUE(check("coalesce(.missing, .user.id) == 42 && .status == 503"));
  auto t = Template::compile(R"({.service}/{.user.name}/{.items[-1].sku}/{len(.m)}/{.m[0]})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->render(sample()), "api/A\"n/x2/2/[1, 2]");
}

TEST(Expression, JsonStringsInArrays) {
  Message m;
  m.payload = R"({"arr": ["a", "b\"c", "b", 2, {"k": 1}], "s": "x\u0041"})";
  EXPECT_TRUE(check(R"("b" in .arr)", m));
  EXPECT_TRUE(check(R"("b\"c" in .arr)", m));
  EXPECT_TRUE(check(R"(2 in .arr)", m));
  EXPECT_TRUE(check(R"("2" in .arr)", m));  // textual, like == on a string and a number
  EXPECT_FALSE(check(R"("c" in .arr)", m));
  EXPECT_TRUE(check(R"(.s in .arr || .s == "xA")", m));
  EXPECT_EQ(eval(".arr[1] + .s + .arr[-1].k", m), "b\"cxA1");
}

TEST(Expression, JsonUnicodeEscapes) {
  Message m;
  m.payload = R"({"s": "caf\u00e9 \ud83d\ude00 \u4e2d", "\u0063": 2, "a\"b": 3, "k\u00e9y": 4,)"
              R"( "raw": "caf\u00e9", "utf8": "café"})";
  EXPECT_EQ(eval(".s", m), "caf\xC3\xA9 \xF0\x9F\x98\x80 \xE4\xB8\xAD");
  EXPECT_EQ(eval("len(.s)", m), "8");  // characters, not bytes of UTF-8
  EXPECT_EQ(eval(".c", m), "2");       // keys match once decoded
  EXPECT_EQ(eval(R"(.["a\"b"])", m), "3");
  EXPECT_EQ(eval(".[\"k\xC3\xA9y\"]", m), "4");
  EXPECT_TRUE(check(".raw == .utf8", m));
  EXPECT_TRUE(is_null(".b", m));
}

TEST(Expression, JsonHugeNumbers) {
  Message m;
  m.payload =
      R"({"max": 9223372036854775807, "min": -9223372036854775808,)"
      R"( "above": 9223372036854775808, "below": -9223372036854775809,)"
      R"( "u64": 18446744073709551615, "big": 123456789012345678901234567890,)"
      R"( "tiny": 1e-400, "huge": 1e400, "neg0": -0, "one": 1.0, "exp": 2E3, "frac": -12.5e-1})";
  EXPECT_EQ(eval(".max", m), "9223372036854775807");
  EXPECT_EQ(eval(".min", m), "-9223372036854775808");
  EXPECT_EQ(eval(".max + 1", m), "9223372036854775808");  // an integer: overflows to a float
  EXPECT_EQ(eval(".above", m), "9223372036854775808");    // a float from here on
  EXPECT_EQ(eval(".above + 1", m), "9223372036854775808");
  EXPECT_EQ(eval(".below", m), "-9223372036854775808");
  EXPECT_EQ(eval(".u64", m), "18446744073709551616");
  EXPECT_EQ(eval(".big", m), "1.2345678901234568e+29");
  EXPECT_TRUE(check(".big > .max", m));
  EXPECT_EQ(eval(".neg0", m), "0");
  EXPECT_EQ(eval(".one", m), "1");
  EXPECT_EQ(eval(".one / 2", m), "0.5");  // 1.0 stays a float
  EXPECT_EQ(eval(".exp", m), "2000");
  EXPECT_EQ(eval(".frac", m), "-1.25");
  EXPECT_EQ(eval("int(.big)", m), "9223372036854775807");
  EXPECT_TRUE(is_null(".huge", m));  // out of a double's range
}

TEST(Expression, JsonDeepNesting) {
  Message m;
  std::string path = ".";
  for (int k = 0; k < 100; ++k) {
    m.payload += R"({"a": [)";
    path += "a[0]";
    if (k + 1 < 100) path += ".";
  }
  m.payload += "7";
  for (int k = 0; k < 100; ++k) m.payload += "]}";
  EXPECT_EQ(eval(path, m), "7");
  EXPECT_EQ(eval("len(.a[0].a)", m), "1");
  EXPECT_TRUE(is_null(path + "[0]", m));
}

TEST(Expression, JsonRootAndArrays) {
  Message m;
  m.payload = " [10, 20, 30] ";
  EXPECT_EQ(eval(".[1]", m), "20");
  EXPECT_EQ(eval(".", m), "[10, 20, 30]");
  EXPECT_EQ(eval("len(.)", m), "3");
  m.payload = R"("a\u0041")";
  EXPECT_EQ(eval(".", m), "aA");
}

TEST(Expression, Truthiness) {
  EXPECT_FALSE(check("0"));
  EXPECT_FALSE(check("0.0"));
  EXPECT_FALSE(check("\"\""));
  EXPECT_FALSE(check("null"));
  EXPECT_FALSE(check("false"));
  EXPECT_FALSE(check("[]"));
  EXPECT_TRUE(check("[0]"));
  EXPECT_TRUE(check("\"0\""));
  EXPECT_TRUE(check("-1"));
  EXPECT_TRUE(check("0.5"));
}

TEST(Expression, EvalInt) {
  const Message m = sample();
  auto v = [&](std::string_view src) {
    auto e = Expression::compile(src);
    EXPECT_TRUE(e) << src;
    return e ? e->eval_int(m) : -999;
  };
  EXPECT_EQ(v("seq * 2"), 14);
  EXPECT_EQ(v("\"42\""), 42);
  EXPECT_EQ(v("\" 4.7 \""), 4);
  EXPECT_EQ(v("\"abc\""), 0);
  EXPECT_EQ(v("3.9"), 3);
  EXPECT_EQ(v("-3.9"), -3);
  EXPECT_EQ(v("1e300"), 9223372036854775807);
  EXPECT_EQ(v("true"), 1);
  EXPECT_EQ(v("null"), 0);
  EXPECT_EQ(v(".user.id"), 42);
  EXPECT_EQ(v("priority"), 2);
}

TEST(Expression, RenderForms) {
  EXPECT_EQ(eval("true"), "true");
  EXPECT_EQ(eval("false"), "false");
  EXPECT_EQ(eval("null"), "");
  EXPECT_EQ(eval("split(\"a,b\", \",\")"), R"(["a","b"])");
  EXPECT_EQ(eval("[1, \"x\\\"\", null, true, 2.5]"), R"([1,"x\"",null,true,2.5])");
  EXPECT_EQ(eval("[]"), "[]");
  std::string out = "prefix:";
  auto e = Expression::compile("seq");
  ASSERT_TRUE(e);
  e->render(sample(), out);
  EXPECT_EQ(out, "prefix:7");  // render appends
  EXPECT_EQ(e->source(), "seq");
}

TEST(Expression, IndexingValues) {
  EXPECT_EQ(eval("split(\"a,b,c\", \",\")[0]"), "a");
  EXPECT_EQ(eval("split(\"a,b,c\", \",\")[-1]"), "c");
  EXPECT_TRUE(is_null("split(\"a,b,c\", \",\")[3]"));
  EXPECT_TRUE(is_null("split(\"a,b,c\", \",\")[\"x\"]"));
  EXPECT_EQ(eval("[10, 20][1]"), "20");
  // A list literal indexed evaluates only the item picked, with the same rules.
  EXPECT_EQ(eval(R"(["a", "b", "c"][seq % 3])"), "b");  // seq is 7 in these tests
  EXPECT_EQ(eval("[10, 20, 30][-1]"), "30");
  EXPECT_TRUE(is_null("[10, 20][2]"));
  EXPECT_TRUE(is_null("[10, 20][-3]"));
  EXPECT_TRUE(is_null(R"([10, 20]["1"])"));
  EXPECT_EQ(eval("[[1, 2], [3, 4]][1][0]"), "3");
  EXPECT_EQ(eval("key[0]"), "u");
  EXPECT_TRUE(is_null("seq[0]"));
}

TEST(Expression, DefaultConstructedIsInert) {
  const Expression e;
  EXPECT_FALSE(e.test(sample()));
  EXPECT_EQ(e.eval_int(sample()), 0);
  std::string out;
  e.render(sample(), out);
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace sluice::expr
