// Load-time errors of expressions: message and 1-based column.
#include <gtest/gtest.h>

#include <string>

#include "expr/expression.hpp"

namespace sluice::expr {
namespace {

struct Case {
  std::string src;
  std::size_t column;
  std::string message;  // a prefix of the expected message
};

class ExpressionErrors : public testing::TestWithParam<Case> {};

TEST_P(ExpressionErrors, ReportsColumnAndMessage) {
  const Case& c = GetParam();
  auto e = Expression::compile(c.src);
  ASSERT_FALSE(e) << c.src;
  EXPECT_EQ(e.error().column, c.column) << c.src << ": " << e.error().message;
  EXPECT_EQ(e.error().message.substr(0, c.message.size()), c.message) << c.src;
}

INSTANTIATE_TEST_SUITE_P(
    Bad, ExpressionErrors,
    testing::Values(
        Case{"lowr(key)", 1, "unknown function 'lowr' (did you mean 'lower'?)"},
        Case{"key == frobnicate(1)", 8,
             "unknown function 'frobnicate'; the functions are: lower, upper"},
        Case{"lowercase(key)", 1, "unknown function 'lowercase' (did you mean 'lower'?)"},
        Case{"key contians \"x\"", 5,
             "unexpected 'contians' after an expression (did you mean 'contains'?)"},
        Case{"key startswith \"x\"", 5,
             "unexpected 'startswith' after an expression (did you mean "
             "'starts_with'?)"},
        Case{"(1 + 2", 7, "expected ')' to close '(' at column 1, found end of input"},
        Case{"lower(key", 10, "expected ')' to close '(' at column 6"},
        Case{"substr(key, 1)", 1, "function 'substr' takes 3 arguments, got 2"},
        Case{"1 + lower(key, key)", 5, "function 'lower' takes 1 argument, got 2"},
        Case{"coalesce()", 1, "function 'coalesce' takes at least 1 argument, got 0"},
        Case{R"(key matches "([")", 13, "invalid regex: "},
        Case{"paylod == 1", 1, "unknown field 'paylod' (did you mean 'payload'?)"},
        Case{"seq > 1 && kye == 2", 12, "unknown field 'kye' (did you mean 'key'?)"},
        Case{"zzzzzz", 1, "unknown field 'zzzzzz'"},
        Case{"1 +", 4, "expected an expression, found end of input"},
        Case{"", 1, "empty expression"}, Case{"   ", 4, "empty expression"},
        Case{R"(key == "a" ))", 12, "unmatched ')'"},
        Case{"key key", 5, "unexpected 'key' after an expression"},
        Case{"attrs == 1", 1, "expected an attribute name after 'attrs'"},
        Case{"key in [1, 2", 13, "expected ']' to close '[' at column 8"},
        Case{"split(key, \",\")[0", 18, "expected ']' to close '['"},
        Case{"lower", 1, "function 'lower' must be called"},
        Case{"== 1", 1, "expected an expression, found '=='"},
        Case{"key == contains", 8, "expected an expression, found operator 'contains'"},
        Case{"key == \"abc", 8, "unterminated string"},
        Case{"seq = 1", 5, "unexpected '=' (did you mean '=='?)"},
        Case{"seq > 1 and seq < 3", 9, "unexpected 'and' after an expression (write '&&')"},
        Case{"seq > 1 or seq < 3", 9, "unexpected 'or' after an expression (write '||')"},
        Case{"not seq > 1", 1, "'not' is written '!' here: !(...)"},
        Case{"(1, 2)", 3, "expected ')' to close '(' at column 1, found ','"},
        Case{std::string(300, '(') + "1" + std::string(300, ')'), 257,
             "expression nested too deeply"},
        Case{std::string(300, '-') + "1", 257, "expression nested too deeply"}));

TEST(ExpressionErrors, TooManyTokens) {
  std::string src = "1";
  for (int k = 0; k < 3000; ++k) src += " + 1";
  auto e = Expression::compile(src);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "expression too long (more than 4096 tokens)");
}

TEST(ExpressionErrors, JsonPathOfMoreThan1000StepsIsRejectedAtItsStep1001) {
  std::string path;
  for (int k = 0; k < 1000; ++k) path += k % 2 == 0 ? ".a" : "[0]";
  auto ok = Expression::compile(path + " == null");
  ASSERT_TRUE(ok) << ok.error().message;
  for (const std::string& step : {std::string(".b"), std::string("[1]"), std::string("[\"c\"]")}) {
    auto e = Expression::compile("key == \"x\" || " + path + step);
    ASSERT_FALSE(e) << step;
    EXPECT_EQ(e.error().column, 15 + path.size()) << step;
    EXPECT_EQ(e.error().message, "JSON path too long (more than 1000 steps)");
  }
  // A computed index ends the path; what follows it is read from that value.
  EXPECT_TRUE(Expression::compile(path + "[seq]" + path.substr(0, 500)));
  auto t = Template::compile("id={" + path + ".x}");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().column, 5 + path.size());
  EXPECT_EQ(t.error().message, "JSON path too long (more than 1000 steps)");
}

TEST(ExpressionErrors, LongButValidChainEvaluates) {
  std::string src = "0";
  for (int k = 0; k < 1000; ++k) src += " + 1";
  auto e = Expression::compile(src);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->eval_int(Message{}), 1000);
}

}  // namespace
}  // namespace sluice::expr
