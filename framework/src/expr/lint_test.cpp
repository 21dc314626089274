// `check`'s warning about a comparison that never holds (parser.hpp: lint).
#include <gtest/gtest.h>

#include <string>

#include "expr/parser.hpp"

namespace sluice::expr::detail {
namespace {

std::string warnings(std::string_view src) {
  std::string out;
  for (const ParseError& w : lint(src)) {
    out += std::to_string(w.column) + ": " + w.message + "\n";
  }
  return out;
}

TEST(Lint, ANumberAgainstTextThatIsNotANumber) {
  EXPECT_EQ(warnings("priority == \"high\""),
            "13: comparing the number priority with \"high\", which does not read as a number: "
            "'==' is always false\n");
  EXPECT_EQ(warnings("\"N/A\" < 100"),
            "1: comparing the number 100 with \"N/A\", which does not read as a number: '<' is "
            "always false\n");
  EXPECT_EQ(warnings("seq != \"none\""),
            "8: comparing the number seq with \"none\", which does not read as a number: '!=' is "
            "always true\n");
  EXPECT_EQ(warnings("key == \"a\" && value >= \"\""),
            "24: comparing the number value with \"\", which does not read as a number: '>=' is "
            "always false\n");
}

TEST(Lint, AFunctionThatGivesANumber) {
  EXPECT_EQ(warnings("len(key) == \"long\""),
            "13: comparing the number len(key) with \"long\", which does not read as a number: "
            "'==' is always false\n");
  EXPECT_EQ(warnings("\"yesterday\" < now()"),
            "1: comparing the number now() with \"yesterday\", which does not read as a number: "
            "'<' is always false\n");
  EXPECT_EQ(warnings("parse_time(.ts, \"%Y\") != \"\""),
            "26: comparing the number parse_time(.ts, \"%Y\") with \"\", which does not read as "
            "a number: '!=' is always true\n");
  EXPECT_EQ(warnings("int(.n) > \"10\""), "");                // reads as a number
  EXPECT_EQ(warnings("capture(key, \"(a)\") == \"a\""), "");  // a function that gives text
  EXPECT_EQ(warnings("if(seq > 1, 1, 2) == \"x\""), "");      // not known
  EXPECT_EQ(warnings("(seq > 1 ? 1 : 2) == \"x\""), "");
}

TEST(Lint, NothingToSayOtherwise) {
  EXPECT_EQ(warnings("seq > \"10\""), "");  // reads as a number
  EXPECT_EQ(warnings("priority == \" 2 \""), "");
  EXPECT_EQ(warnings("key == \"high\""), "");  // text with text
  EXPECT_EQ(warnings("attrs.n > 10"), "");     // unknown until it runs
  EXPECT_EQ(warnings(".size > 10"), "");
  EXPECT_EQ(warnings("seq contains \"x\""), "");  // a text operator
  EXPECT_EQ(warnings("(seq) == \"x\""), "");      // only single-token operands
  EXPECT_EQ(warnings("seq + 1 == \"x\""), "");
  EXPECT_EQ(warnings("seq ==="), "");  // does not compile: the error says it
}

}  // namespace
}  // namespace sluice::expr::detail
