// json(x) and env("NAME").
#include "expr/json_text.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "expr/expression.hpp"
#include "expr/test_eval.hpp"

namespace sluice::expr {
namespace {

Message sample() {
  Message m;
  m.payload = "say \"hi\"\\\tnow\n";
  m.key = "k";
  m.seq = 3;
  m.attrs.set("doc", R"({"a": [1, {"b": null}], "s": "x"})");
  return m;
}

std::string eval(std::string_view src) { return test_eval::rendered(src, sample()); }

TEST(Json, StringsAreQuotedAndEscaped) {
  EXPECT_EQ(eval("json(payload)"), R"("say \"hi\"\\\tnow\n")");
  EXPECT_EQ(eval(R"(json("\u0001é"))"), "\"\\u0001\xC3\xA9\"");
  EXPECT_EQ(eval("json(\"5\")"), R"("5")");  // a string stays a string
}

TEST(Json, OtherValues) {
  EXPECT_EQ(eval("json(seq)"), "3");
  EXPECT_EQ(eval("json(1.5)"), "1.5");
  EXPECT_EQ(eval("json(seq > 1)"), "true");
  EXPECT_EQ(eval("json(null)"), "null");
  EXPECT_EQ(eval("json(.missing)"), "null");
  EXPECT_EQ(eval("json(0.0 / 0)"), "null");  // JSON has no NaN
  EXPECT_EQ(eval(R"(json(split("a,b", ",")))"), R"(["a","b"])");
  EXPECT_EQ(eval(R"(json([1, "x", null]))"), R"([1,"x",null])");
}

TEST(Json, BrokenUtf8BecomesTheReplacementCharacter) {
  Message m;
  m.payload =
      "a\xFF"
      "b\xC3";
  EXPECT_EQ(test_eval::rendered("json(payload)", m),
            "\"a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\"");
}

TEST(Json, APayloadObjectIsInsertedAsWritten) {
  Message m;
  m.payload = R"({"a": [1, {"b": null}], "s": "x"})";
  EXPECT_EQ(test_eval::rendered("json(.a)", m), R"([1, {"b": null}])");
  EXPECT_EQ(test_eval::rendered("json(.s)", m), R"("x")");
  EXPECT_EQ(test_eval::rendered("json(.)", m), m.payload);
}

TEST(Json, ATemplateThatWritesJsonGivesValidJson) {
  auto t = Template::compile(R"({{"msg": {json(payload)}, "seq": {seq}, "k": {json(key)}}})");
  ASSERT_TRUE(t) << t.error().message;
  const std::string out = t->render(sample());
  const auto parsed = nlohmann::json::parse(out);
  EXPECT_EQ(parsed["msg"], "say \"hi\"\\\tnow\n");
  EXPECT_EQ(parsed["seq"], 3);
  EXPECT_EQ(parsed["k"], "k");
}

TEST(Env, TheVariableWhenTheExpressionIsCompiled) {
  ::setenv("SLUICE_TEST_ENV", "from-env", 1);
  auto e = Expression::compile(R"(env("SLUICE_TEST_ENV") + "/" + key)");
  ASSERT_TRUE(e);
  ::setenv("SLUICE_TEST_ENV", "changed later", 1);
  std::string out;
  e->render(sample(), out);
  EXPECT_EQ(out, "from-env/k");  // read once, at compile time
  ::unsetenv("SLUICE_TEST_ENV");
  EXPECT_EQ(eval(R"(env("SLUICE_TEST_ENV") == null)"), "true");
  EXPECT_EQ(eval(R"(coalesce(env("SLUICE_TEST_ENV"), "default"))"), "default");
  ::setenv("SLUICE_TEST_ENV", "", 1);
  EXPECT_EQ(eval(R"(env("SLUICE_TEST_ENV") == "")"), "true");  // set but empty is ""
  ::unsetenv("SLUICE_TEST_ENV");
}

TEST(Env, TheNameMustBeALiteral) {
  auto e = Expression::compile(R"(env(key))");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().column, 5u);
  EXPECT_EQ(e.error().message.substr(0, 49), "env() takes the variable's name as a string liter");
}

}  // namespace
}  // namespace sluice::expr
