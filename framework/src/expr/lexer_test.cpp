#include "expr/lexer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::expr::detail {
namespace {

std::vector<Tok> kinds(std::string_view src) {
  auto r = tokenize(src);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  std::vector<Tok> out;
  if (r) {
    for (const Token& t : *r) out.push_back(t.kind);
  }
  return out;
}

TEST(Lexer, OperatorsAndPunctuation) {
  EXPECT_EQ(kinds("|| && ! == != < <= > >= + - * / % ( ) [ ] , ."),
            (std::vector<Tok>{Tok::oror,   Tok::andand,   Tok::bang,     Tok::eq,      Tok::ne,
                              Tok::lt,     Tok::le,       Tok::gt,       Tok::ge,      Tok::plus,
                              Tok::minus,  Tok::star,     Tok::slash,    Tok::percent, Tok::lparen,
                              Tok::rparen, Tok::lbracket, Tok::rbracket, Tok::comma,   Tok::dot,
                              Tok::end}));
}

TEST(Lexer, NumbersAndColumns) {
  auto r = tokenize("12 3.5 1e3 .items[0]");
  ASSERT_TRUE(r);
  const auto& t = *r;
  ASSERT_EQ(t.size(), 9U);
  EXPECT_EQ(t[0].kind, Tok::integer);
  EXPECT_EQ(t[0].int_value, 12);
  EXPECT_EQ(t[0].column, 1U);
  EXPECT_EQ(t[1].kind, Tok::floating);
  EXPECT_DOUBLE_EQ(t[1].float_value, 3.5);
  EXPECT_EQ(t[1].column, 4U);
  EXPECT_EQ(t[2].kind, Tok::floating);
  EXPECT_DOUBLE_EQ(t[2].float_value, 1000.0);
  EXPECT_EQ(t[3].kind, Tok::dot);
  EXPECT_EQ(t[3].column, 12U);
  EXPECT_EQ(t[4].kind, Tok::ident);
  EXPECT_EQ(t[4].text, "items");
  EXPECT_EQ(t[6].int_value, 0);
}

TEST(Lexer, IntegerFollowedByDotIsNotAFloat) {
  EXPECT_EQ(kinds("1.x"), (std::vector<Tok>{Tok::integer, Tok::dot, Tok::ident, Tok::end}));
}

TEST(Lexer, StringEscapesBothQuotes) {
  auto r = tokenize(R"("a\"b\\c\n" 'it\'s' "\u00e9")");
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[0].str_value, "a\"b\\c\n");
  EXPECT_EQ((*r)[1].str_value, "it's");
  EXPECT_EQ((*r)[2].str_value, "\xC3\xA9");
}

TEST(Lexer, ColumnOffsetShiftsColumns) {
  auto r = tokenize("a + b", 10);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[0].column, 11U);
  EXPECT_EQ((*r)[2].column, 15U);
}

TEST(Lexer, Errors) {
  struct Case {
    const char* src;
    std::size_t column;
    const char* message;
  };
  const Case cases[] = {
      {R"(key == "abc)", 8, "unterminated string"},
      {"a = b", 3, "unexpected '=' (did you mean '=='?)"},
      {"a & b", 3, "unexpected '&' (did you mean '&&'?)"},
      {"a | b", 3, "unexpected '|' (did you mean '||'?)"},
      {"seq @ 2", 5, "unexpected character '@'"},
      {R"("a\q")", 3, "unknown escape '\\q' in string"},
      {"99999999999999999999", 1, "integer literal out of range"},
      {"12abc", 3, "unexpected 'a' in number"},
  };
  for (const Case& c : cases) {
    auto r = tokenize(c.src);
    ASSERT_FALSE(r) << c.src;
    EXPECT_EQ(r.error().column, c.column) << c.src;
    EXPECT_EQ(r.error().message, c.message) << c.src;
  }
}

}  // namespace
}  // namespace sluice::expr::detail
