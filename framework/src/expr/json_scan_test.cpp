#include "expr/json_scan.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sluice::expr::detail {
namespace {

TEST(JsonScan, Validates) {
  EXPECT_TRUE(json_valid(R"({"a": [1, 2.5e3, -0, true, false, null, "x\"y\u0041"], "b": {}})"));
  EXPECT_TRUE(json_valid("  42 \n"));
  EXPECT_TRUE(json_valid("[]"));
  EXPECT_FALSE(json_valid(""));
  EXPECT_FALSE(json_valid("hello world"));
  EXPECT_FALSE(json_valid(R"({"a": 1,})"));
  EXPECT_FALSE(json_valid(R"({"a" 1})"));
  EXPECT_FALSE(json_valid(R"({"a": 1} x)"));
  EXPECT_FALSE(json_valid(R"(["unterminated)"));
  EXPECT_FALSE(json_valid("01"));
  EXPECT_FALSE(json_valid(R"("bad \x escape")"));
  EXPECT_FALSE(json_valid(std::string(1000, '[') + std::string(1000, ']')));  // too deep
}

TEST(JsonScan, MembersAndElements) {
  const std::string_view doc =
      R"({"user": {"id": 7, "name": "ann"}, "items": [ {"sku": "a"}, 3 ]})";
  EXPECT_EQ(json_member(doc, "user").value_or(""), R"({"id": 7, "name": "ann"})");
  EXPECT_EQ(json_member(*json_member(doc, "user"), "name").value_or(""), R"("ann")");
  EXPECT_FALSE(json_member(doc, "missing"));
  EXPECT_FALSE(json_member("[1]", "x"));
  const auto items = json_member(doc, "items");
  ASSERT_TRUE(items);
  EXPECT_EQ(json_element(*items, 0).value_or(""), R"({"sku": "a"})");
  EXPECT_EQ(json_element(*items, 1).value_or(""), "3");
  EXPECT_EQ(json_element(*items, -1).value_or(""), "3");
  EXPECT_FALSE(json_element(*items, 2));
  EXPECT_FALSE(json_element(*items, -3));
  EXPECT_FALSE(json_element(doc, 0));
  EXPECT_EQ(json_size(*items), 2U);
  EXPECT_EQ(json_size(doc), 2U);
  EXPECT_EQ(json_size("[]"), 0U);
  EXPECT_EQ(json_size("5"), 0U);
}

TEST(JsonScan, EscapedKeysMatchDecoded) {
  EXPECT_EQ(json_member(R"({"a\"b": 1, "\u0063": 2})", "a\"b").value_or(""), "1");
  EXPECT_EQ(json_member(R"({"a\"b": 1, "\u0063": 2})", "c").value_or(""), "2");
}

TEST(JsonScan, Unescape) {
  std::string out;
  ASSERT_TRUE(json_unescape(R"(a\n\t\"\\\/\u00e9\ud83d\ude00)", out));
  EXPECT_EQ(out, "a\n\t\"\\/\xC3\xA9\xF0\x9F\x98\x80");
  out.clear();
  EXPECT_FALSE(json_unescape(R"(\q)", out));
}

}  // namespace
}  // namespace sluice::expr::detail
