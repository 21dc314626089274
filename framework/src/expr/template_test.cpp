#include <gtest/gtest.h>

#include <string>

#include "expr/expression.hpp"

namespace sluice::expr {
namespace {

Message sample() {
  Message m;
  m.key = "user-3";
  m.seq = 7;
  m.payload = R"({"name": "Ann", "n": 2})";
  return m;
}

std::string render(std::string_view src, const Message& m = sample()) {
  auto t = Template::compile(src);
  EXPECT_TRUE(t) << src << ": " << (t ? "" : t.error().message);
  return t ? t->render(m) : "<error>";
}

TEST(Template, SpecExample) {
  EXPECT_EQ(render(R"({{"user": "{key}", "n": {seq}}})"), R"({"user": "user-3", "n": 7})");
}

TEST(Template, Expressions) {
  EXPECT_EQ(render("event-{seq}"), "event-7");
  Message m = sample();
  m.seq = 123;
  EXPECT_EQ(render("user-{seq % 10}", m), "user-3");
  EXPECT_EQ(render("{upper(.name)}/{.n * 10}/{key}"), "ANN/20/user-3");
  EXPECT_EQ(render("[{.missing}]"), "[]");
  EXPECT_EQ(render("{\"}\" + key}"), "}user-3");  // braces inside string literals
  EXPECT_EQ(render("{'{{' + \"x\\\"}\"}"), "{{x\"}");
  EXPECT_EQ(render("{ seq }"), "7");
}

TEST(Template, ConstantTemplates) {
  auto t = Template::compile("hello {{world}}");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->is_constant());
  EXPECT_EQ(t->render(sample()), "hello {world}");
  EXPECT_EQ(t->source(), "hello {{world}}");

  auto empty = Template::compile("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->is_constant());
  EXPECT_EQ(empty->render(sample()), "");

  auto dynamic = Template::compile("a{seq}");
  ASSERT_TRUE(dynamic);
  EXPECT_FALSE(dynamic->is_constant());
}

TEST(Template, RenderAppends) {
  auto t = Template::compile("-{seq}");
  ASSERT_TRUE(t);
  std::string out = "x";
  t->render(sample(), out);
  t->render(sample(), out);
  EXPECT_EQ(out, "x-7-7");
}

struct ErrorCase {
  std::string src;
  std::size_t column;
  std::string message;  // a prefix
};

class TemplateErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(TemplateErrors, ColumnInWholeTemplate) {
  const ErrorCase& c = GetParam();
  auto t = Template::compile(c.src);
  ASSERT_FALSE(t) << c.src;
  EXPECT_EQ(t.error().column, c.column) << c.src << ": " << t.error().message;
  EXPECT_EQ(t.error().message.substr(0, c.message.size()), c.message) << c.src;
}

INSTANTIATE_TEST_SUITE_P(
    Bad, TemplateErrors,
    testing::Values(ErrorCase{"abc {key", 5, "unterminated '{' in template"},
                    ErrorCase{"abc } def", 5, "unmatched '}' in template"},
                    ErrorCase{"x {}", 3, "empty '{}' in template"},
                    ErrorCase{"ab {lowr(key)}", 5, "unknown function 'lowr'"},
                    ErrorCase{"{{ {seq +} }}", 10, "expected an expression, found end of input"},
                    ErrorCase{"n={seq} k={key ==}", 18, "expected an expression"},
                    ErrorCase{"{seq}{substr(key)}", 7, "function 'substr' takes 3 arguments"},
                    ErrorCase{"id={key matches \"(\"}", 17, "invalid regex"}));

}  // namespace
}  // namespace sluice::expr
