#include "nesting_scan.hpp"

#include <gtest/gtest.h>

#include <string>

#include "sluice/dsl/loader.hpp"
#include "sluice/dsl/plugins.hpp"

namespace sluice::dsl::detail {
namespace {

std::string dotted(std::size_t parts) {
  std::string key = "a";
  for (std::size_t i = 1; i < parts; ++i) key += ".a";
  return key;
}

TEST(NestingScan, CountsDottedKeyPartsAndHeaders) {
  EXPECT_FALSE(too_deep("a.b.c = 1\n", 3));
  EXPECT_EQ(too_deep("a.b.c.d = 1\n", 3), (TextPosition{1, 7}));
  // A key under a header nests below it; the next header starts again.
  EXPECT_FALSE(too_deep("[a.b]\nc = 1\n[d.e]\nf = 2\n", 3));
  EXPECT_EQ(too_deep("[a.b]\nc.d = 1\n", 3), (TextPosition{2, 3}));
  EXPECT_EQ(too_deep("[[a.b.c.d]]\n", 3), (TextPosition{1, 9}));
  // Quoted parts count once, whatever dots they hold.
  EXPECT_FALSE(too_deep("\"a.b.c.d\" = 1\n'x.y.z'.w = 2\n", 2));
  EXPECT_EQ(too_deep("a.\"b\".'c' = 1\n", 2), (TextPosition{1, 7}));
}

TEST(NestingScan, CountsArraysAndInlineTablesWithTheirKeys) {
  EXPECT_FALSE(too_deep("a = [[1, 2], [3]]\n", 3));
  EXPECT_EQ(too_deep("a = [[[1]]]\n", 3), (TextPosition{1, 7}));
  EXPECT_EQ(too_deep("a = { b = { c = 1 } }\n", 4), (TextPosition{1, 13}));
  EXPECT_EQ(too_deep("a = { x = 1, b.c.d = 1 }\n", 4), (TextPosition{1, 18}));
  // Closed containers give their levels back.
  EXPECT_FALSE(too_deep("a = [[1], [2], [3], { b = 1 }, [4]]\nc.d.e.f = 1\n", 4));
  EXPECT_FALSE(too_deep("a = [\n  [1],\n  [2],\n]\nb.c = 2\n", 3));
}

TEST(NestingScan, SkipsStringsCommentsAndNumbers) {
  EXPECT_FALSE(too_deep("a = \"[[[[{{{{.....\"\n", 2));
  EXPECT_FALSE(too_deep("a = '[[[[' # [[[[ a.b.c.d\n", 2));
  EXPECT_FALSE(too_deep("a = \"\"\"\n[[[[\n\\\"\"\"[[[\n\"\"\"\nb = 1.5e3\n", 2));
  EXPECT_FALSE(too_deep("a = '''\n[[[[.a.b.c\n'''\n", 2));
  EXPECT_FALSE(too_deep("a = \"\\\"[[[[\"\n", 2));
  // Columns count characters, as toml++ and editors do.
  EXPECT_EQ(too_deep("x = \"\xC3\xA9\" \na.b.c = 1\n", 2), (TextPosition{2, 5}));
}

TEST(NestingScan, AHundredThousandPartKeyIsAnErrorNotACrash) {
  // toml++ recursed once per part and overflowed the stack at ~35,000.
  const std::string text = "[pipeline]\n" + dotted(50'000) + " = 1\n";
  static const Registry empty;
  auto r = load_pipeline_text(text, "p.toml", {}, empty);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "too-deep");
  EXPECT_EQ(r.diagnostics[0].span.line, 2u);
  EXPECT_EQ(r.diagnostics[0].span.column, 2 * kMaxNesting - 1);
  EXPECT_TRUE(plugin_requests(text, "p.toml").empty());
}

TEST(NestingScan, AnInlineTableValueOfDeepKeysIsAnErrorToo) {
  const std::string text = "[stages.a]\ntype = \"x\"\nretry = { " + dotted(50'000) + " = 1 }\n";
  static const Registry empty;
  auto r = load_pipeline_text(text, "p.toml", {}, empty);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "too-deep");
  EXPECT_EQ(r.diagnostics[0].span.line, 3u);
}

TEST(NestingScan, AStringHoldingDeepTomlIsJustAWrongString) {
  // A string where a number belongs is parsed to see whether only the quotes
  // are wrong: that parse must not recurse through it either.
  const std::string text =
      "[stages.a]\ntype = \"generate\"\ncount = \"{" + dotted(300'000) + " = 1}\"\n";
  auto r = load_pipeline_text(text, "p.toml", {}, builtin_registry());
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.diagnostics[0].code, "type-mismatch");
}

TEST(NestingScan, ASetKeyOrValueOfDeepKeysIsAnError) {
  static const Registry empty;
  const std::string text = "[stages.a]\ntype = \"x\"\n";
  auto key = load_pipeline_text(text, "p.toml", {dotted(50'000) + "=1"}, empty);
  ASSERT_FALSE(key.diagnostics.empty());
  EXPECT_EQ(key.diagnostics[0].code, "too-deep");
  EXPECT_LT(key.diagnostics[0].span.file.size(), 100u);  // not the 100 KB key
  auto value = load_pipeline_text(text, "p.toml", {"stages.a.x={" + dotted(50'000) + "=1}"}, empty);
  ASSERT_FALSE(value.diagnostics.empty());
  EXPECT_EQ(value.diagnostics[0].code, "too-deep");
  // Up to the bound a --set key is fine.
  auto fine =
      load_pipeline_text(text, "p.toml", {"stages.a.x." + dotted(kMaxNesting - 4) + "=1"}, empty);
  for (const auto& d : fine.diagnostics) EXPECT_NE(d.code, "too-deep");
}

}  // namespace
}  // namespace sluice::dsl::detail
