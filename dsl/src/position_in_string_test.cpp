#include "position_in_string.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sluice::dsl::detail {
namespace {

std::optional<TextPosition> at(std::string_view text, std::size_t line, std::size_t column,
                               std::size_t offset) {
  return position_in_string(text, {line, column}, offset);
}

TEST(PositionInString, PlainStringsCountFromTheQuote) {
  //                    1234567890123
  const std::string t = "a = 'seq >'\nb = \"x\"\n";
  EXPECT_EQ(at(t, 1, 5, 1), (TextPosition{1, 6}));
  EXPECT_EQ(at(t, 1, 5, 6), (TextPosition{1, 11}));
  EXPECT_EQ(at(t, 2, 5, 1), (TextPosition{2, 6}));
  EXPECT_EQ(at(t, 1, 4, 1), std::nullopt);  // not at a quote
}

TEST(PositionInString, EscapesTakeTheirRoomInTheFile) {
  // value: a"b<e-acute>c: the byte offsets are a=1 "=2 b=3 e-acute=4,5 c=6
  const std::string t = R"(x = "a\"b\u00e9c")";
  EXPECT_EQ(at(t, 1, 5, 3), (TextPosition{1, 9}));   // b
  EXPECT_EQ(at(t, 1, 5, 6), (TextPosition{1, 16}));  // c, after the 6-character escape
  const std::string literal = R"(x = 'a\"b')";       // no escapes in a literal string
  EXPECT_EQ(at(literal, 1, 5, 3), (TextPosition{1, 8}));
}

TEST(PositionInString, ColumnsCountCharactersNotBytes) {
  const std::string t = "p = \"h\xC3\xA9llo {s\xC3\xA9q}\"";  // héllo {séq}
  // The value's bytes: h=1 é=2,3 l=4 l=5 o=6 ' '=7 {=8 s=9 é=10,11
  EXPECT_EQ(at(t, 1, 5, 10), (TextPosition{1, 14}));
  const std::string before = "\xC3\xA9 = 'ab'";  // a non-ASCII key before the string
  EXPECT_EQ(at(before, 1, 5, 2), (TextPosition{1, 7}));
}

TEST(PositionInString, MultiLineStringsSpanLines) {
  const std::string t = "c = '''\n.status >= 500\n  && .x &&\n'''\n";
  // The first line break is not part of the value: byte 1 is '.' on line 2.
  EXPECT_EQ(at(t, 1, 5, 1), (TextPosition{2, 1}));
  EXPECT_EQ(at(t, 1, 5, 16), (TextPosition{3, 1}));  // after "...500\n"
  EXPECT_EQ(at(t, 1, 5, 26), (TextPosition{3, 11}));
  const std::string crlf = "c = \"\"\"\r\nab\r\ncd\"\"\"";
  EXPECT_EQ(at(crlf, 1, 5, 4), (TextPosition{3, 1}));          // a b \n c
  const std::string folded = "c = \"\"\"ab \\\n    cd\"\"\"";  // line-ending backslash
  EXPECT_EQ(at(folded, 1, 5, 4), (TextPosition{2, 5}));        // a b ' ' c
}

}  // namespace
}  // namespace sluice::dsl::detail
