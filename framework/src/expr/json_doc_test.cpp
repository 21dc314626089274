#include "expr/json_doc.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "expr/eval_context.hpp"

namespace sluice::expr::detail {
namespace {

std::vector<PathStep> steps(std::initializer_list<PathStep> s) { return s; }
PathStep key(std::string k) { return PathStep{std::move(k), 0, false}; }
PathStep at(std::int64_t i) { return PathStep{{}, i, true}; }

/// The path's value as text ("<null>" for null), read from a fresh evaluation.
std::string read(const std::string& payload, const std::vector<PathStep>& path) {
  Message m;
  m.payload = payload;
  EvalContext ctx(m);
  const Value v = ctx.json().path(path, ctx);
  if (v.is_null()) return "<null>";
  std::string out;
  append_text(v, out);
  return out;
}

std::string whole(const std::string& payload) { return read(payload, {}); }

TEST(JsonDoc, ReadsWellFormedDocuments) {
  const std::string doc = R"({"a": [1, 2.5e3, -0, true, false, null, "x\"y\u0041"], "b": {}})";
  EXPECT_EQ(read(doc, steps({key("a"), at(1)})), "2500");
  EXPECT_EQ(read(doc, steps({key("a"), at(2)})), "0");
  EXPECT_EQ(read(doc, steps({key("a"), at(3)})), "true");
  EXPECT_EQ(read(doc, steps({key("a"), at(4)})), "false");
  EXPECT_EQ(read(doc, steps({key("a"), at(5)})), "<null>");
  EXPECT_EQ(read(doc, steps({key("a"), at(6)})), "x\"yA");
  EXPECT_EQ(read(doc, steps({key("a"), at(-1)})), "x\"yA");
  EXPECT_EQ(read(doc, steps({key("b")})), "{}");
  EXPECT_EQ(whole("  42 \n"), "42");
  EXPECT_EQ(whole("[]"), "[]");
  EXPECT_EQ(whole(R"( {"a": [1, 2] } )"), R"({"a": [1, 2] })");  // trimmed
  EXPECT_EQ(read(R"({"a": [1, 2] })", steps({key("a")})), "[1, 2]");
}

TEST(JsonDoc, NotJsonGivesNull) {
  for (const char* payload :
       {"", "   ", "hello world", R"({"a": 1} x)", R"(["unterminated)", "01", R"("bad \x escape")",
        R"({"a": 1)", R"({"a": 1, garbage)", R"({"a": 1}})", R"({"a": 1} {"b": 2})", "[1, 2]]",
        R"({"a": [1, 2})", "{\"a\": \"\xff\"}", "{\"a\": \"tab\there\"}", "nul", "42 x",
        R"("a" "b")", "{\"a\": 1}\x01"}) {
    EXPECT_EQ(whole(payload), "<null>") << payload;
    EXPECT_EQ(read(payload, steps({key("a")})), "<null>") << payload;
  }
}

// simdjson On-Demand checks a value when it reads it, not before: a document broken only
// where a path does not go still gives the fields before the break (docs/expressions.md, "JSON
// fields").
TEST(JsonDoc, MalformedValuesAreNullWhereRead) {
  const std::string doc = R"({"a": 1, "b": tru, "c": "ok", "d": 01, "e": {"x" 2}, "f": "\q"})";
  EXPECT_EQ(read(doc, steps({key("a")})), "1");
  EXPECT_EQ(read(doc, steps({key("b")})), "<null>");
  EXPECT_EQ(read(doc, steps({key("d")})), "<null>");
  EXPECT_EQ(read(doc, steps({key("e"), key("x")})), "<null>");
  EXPECT_EQ(read(doc, steps({key("f")})), "<null>");
  EXPECT_EQ(read(R"({"a": 1, garbage})", steps({key("a")})), "1");
  EXPECT_EQ(read(R"({"a": 1, garbage})", steps({key("b")})), "<null>");
  EXPECT_EQ(read(R"({"a": 1,})", steps({key("b")})), "<null>");
  EXPECT_EQ(read(R"({"a" 1})", steps({key("a")})), "<null>");
}

TEST(JsonDoc, MembersElementsAndSizesOfValues) {
  Message m;
  m.payload = R"({"user": {"id": 7, "name": "ann"}, "items": [ {"sku": "a"}, 3 ], "e": []})";
  EvalContext ctx(m);
  JsonDoc& doc = ctx.json();
  const Value user = doc.path(steps({key("user")}), ctx);
  ASSERT_EQ(user.kind, Kind::json);
  EXPECT_EQ(user.s, R"({"id": 7, "name": "ann"})");
  EXPECT_EQ(doc.member(user.s, "name", ctx).s, "ann");
  EXPECT_TRUE(doc.member(user.s, "missing", ctx).is_null());
  EXPECT_EQ(doc.size(user.s), 2U);
  const Value items = doc.path(steps({key("items")}), ctx);
  ASSERT_EQ(items.kind, Kind::json);
  EXPECT_EQ(doc.element(items.s, 0, ctx).s, R"({"sku": "a"})");
  EXPECT_EQ(doc.element(items.s, 1, ctx).i, 3);
  EXPECT_EQ(doc.element(items.s, -1, ctx).i, 3);
  EXPECT_TRUE(doc.element(items.s, 2, ctx).is_null());
  EXPECT_TRUE(doc.element(items.s, -3, ctx).is_null());
  EXPECT_TRUE(doc.member(items.s, "sku", ctx).is_null());
  EXPECT_TRUE(doc.element(user.s, 0, ctx).is_null());
  EXPECT_EQ(doc.size(items.s), 2U);
  EXPECT_EQ(doc.size(doc.path(steps({key("e")}), ctx).s), 0U);
  EXPECT_TRUE(doc.array_contains(items.s, Value::integer(3), ctx));
  EXPECT_FALSE(doc.array_contains(items.s, Value::integer(4), ctx));
  // The whole document again, after the values above moved the parser elsewhere.
  EXPECT_EQ(doc.path(steps({key("user"), key("id")}), ctx).i, 7);
  EXPECT_EQ(doc.size(doc.path({}, ctx).s), 3U);
}

TEST(JsonDoc, EscapedKeysMatchDecoded) {
  const std::string doc = R"({"a\"b": 1, "\u0063": 2, "d": 3})";
  EXPECT_EQ(read(doc, steps({key("a\"b")})), "1");
  EXPECT_EQ(read(doc, steps({key("c")})), "2");
  EXPECT_EQ(read(doc, steps({key("d")})), "3");
  EXPECT_EQ(read(doc, steps({key("\\u0063")})), "<null>");
  EXPECT_EQ(read(R"({"a": 1})", steps({key("a\"")})), "<null>");
}

TEST(JsonDoc, Unescapes) {
  EXPECT_EQ(whole(R"("a\n\t\"\\\/\u00e9\ud83d\ude00")"), "a\n\t\"\\/\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(whole(R"("\q")"), "<null>");
  EXPECT_EQ(whole(R"("\ud800")"), "<null>");  // a lone surrogate: simdjson rejects it
}

TEST(JsonDoc, DeepNesting) {
  // Documents nest without limit; a path may take up to 1000 steps (simdjson's depth limit
  // is 1024), a longer one gives null.
  std::string deep;
  std::vector<PathStep> path;
  for (int k = 0; k < 2000; ++k) deep += k % 2 == 0 ? "[" : R"({"k": )";
  deep += "7";
  for (int k = 1999; k >= 0; --k) deep += k % 2 == 0 ? "]" : "}";
  for (int k = 0; k < 1000; ++k) path.push_back(k % 2 == 0 ? at(0) : key("k"));
  // 1000 steps pass 500 "[" and 500 `{"k": ` (3500 bytes) and as many closing brackets.
  EXPECT_EQ(read(deep, path), deep.substr(3500, deep.size() - 3500 - 1000));
  path.push_back(at(0));
  EXPECT_EQ(read(deep, path), "<null>");  // 1001 steps
  EXPECT_EQ(whole(deep), deep);
  EXPECT_EQ(read(deep, steps({at(-1), key("k"), at(0), key("k")})).substr(0, 8), R"([{"k": [)");
  const std::string deeper = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(read(deeper, steps({at(0), at(0)})), std::string(99998, '[') + std::string(99998, ']'));
  EXPECT_EQ(read(deeper, steps({at(0), at(1)})), "<null>");
  EXPECT_EQ(read(deeper.substr(1), steps({at(0)})), "<null>");  // unbalanced
}

TEST(JsonDoc, LargerPayloadsGrowTheThreadsBuffer) {
  std::string big = R"({"pad": ")" + std::string(100000, 'x') + R"(", "n": 5})";
  EXPECT_EQ(read(big, steps({key("n")})), "5");
  EXPECT_EQ(read(R"({"n": 6})", steps({key("n")})), "6");
  EXPECT_EQ(read(big, steps({key("pad")})).size(), 100000U);
}

TEST(JsonDoc, TheSamePayloadAgainIsReadFromTheLastIndexAndAnotherIsNot) {
  // One thread reads a payload, then the same bytes again (a filter, then a
  // count of one fused chain), then payloads that differ only late, or are
  // not JSON at all, with the same length.
  const std::string doc = R"({"user": "u1", "n": 12, "s": "a\"b"})";
  EXPECT_EQ(read(doc, steps({key("user")})), "u1");
  EXPECT_EQ(read(doc, steps({key("n")})), "12");
  EXPECT_EQ(read(doc, steps({key("s")})), "a\"b");
  EXPECT_EQ(read(R"({"user": "u1", "n": 13, "s": "a\"b"})", steps({key("n")})), "13");
  EXPECT_EQ(read(R"({"user": "u1", "n": 13, "s": "a\"b"}x)", steps({key("n")})), "<null>");
  EXPECT_EQ(read(R"({"user": "u1", "n": 13, "s": "a\"b"}x)", steps({key("n")})), "<null>");
  EXPECT_EQ(read(doc, steps({key("user")})), "u1");
}

TEST(JsonDoc, NestedEvaluationsOnOneThread) {
  // Two documents open at once on one thread: the second gets a scratch of its own.
  Message a;
  a.payload = R"({"v": "first"})";
  Message b;
  b.payload = R"({"v": "second"})";
  EvalContext ca(a);
  const Value va = ca.json().path(steps({key("v")}), ca);
  {
    EvalContext cb(b);
    EXPECT_EQ(cb.json().path(steps({key("v")}), cb).s, "second");
  }
  EXPECT_EQ(va.s, "first");
  EXPECT_EQ(ca.json().path(steps({key("v")}), ca).s, "first");
}

}  // namespace
}  // namespace sluice::expr::detail
