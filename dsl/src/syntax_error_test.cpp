// TOML syntax errors, through the loader (toml++'s own descriptions and
// positions) and reworded with their hints.
#include "syntax_error.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "sluice/dsl/loader.hpp"

namespace sluice::dsl {
namespace {

struct Case {
  std::string text;
  std::size_t line, column;
  std::string message, hint;
};

void PrintTo(const Case& c, std::ostream* os) { *os << testing::PrintToString(c.text); }

class SyntaxErrors : public testing::TestWithParam<Case> {};

TEST_P(SyntaxErrors, AreRewordedWithAHint) {
  const Case& c = GetParam();
  static const Registry empty;
  auto r = load_pipeline_text(c.text, "p.toml", {}, empty);
  ASSERT_EQ(r.diagnostics.size(), 1u) << c.text;
  const Diagnostic& d = r.diagnostics[0];
  EXPECT_EQ(d.code, "syntax");
  EXPECT_EQ(d.span.line, c.line) << c.text;
  EXPECT_EQ(d.span.column, c.column) << c.text;
  EXPECT_EQ(d.message, c.message) << c.text;
  EXPECT_EQ(d.hint, c.hint) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Toml, SyntaxErrors,
    testing::Values(
        Case{"[stages.a]\npath = \"out.txt\ncount = 3\n", 2, 16,
             "missing closing quote: the string runs to the end of the line",
             "end it with \" on this line; a string over several lines is written between \"\"\""},
        Case{"[stages.a]\npath = 'out.txt\r\n", 2, 16,
             "missing closing quote: the string runs to the end of the line",
             "end it with ' on this line; a string over several lines is written between '''"},
        Case{"[stages.a]\npath = \"d\xC3\xA9j\xC3\xA0\n", 2, 13,
             "missing closing quote: the string runs to the end of the line",
             "end it with \" on this line; a string over several lines is written between \"\"\""},
        Case{"[stages.a]\ncondition = \"\"\"\nseq > 1\n", 3, 9,
             "missing closing quote: the string runs to the end of the file", "end it with \"\"\""},
        // The quote of the string that is open, not of triple quotes before it.
        Case{"a = \"it'''s\"\nb = 'abc", 2, 9,
             "missing closing quote: the string runs to the end of the file", "end it with '"},
        Case{"a = \"\"\"x\\\"\"\"\n", 1, 14,
             "missing closing quote: the string runs to the end of the file", "end it with \"\"\""},
        Case{"[stages.a]\npath = \"C:\\tmp\\\"\n", 2, 17,
             "missing closing quote: the string runs to the end of the line",
             "the \\ before the last \" escapes it: write \\\\ for a backslash, or use a literal "
             "string '...', where \\ is plain"},
        Case{"[stages.a]\npath = \"C:\\dir\"\n", 2, 12,
             "invalid TOML in a string: unknown escape sequence '\\d'",
             "in \"...\" a \\ starts an escape: write \\\\ for a backslash, or use a literal "
             "string '...', where \\ is plain"},
        Case{"[stages.b]\ninputs = [src, \"a\"]\n", 2, 11,
             "expected a value, found the bare word 'src'", "strings need quotes: \"src\""},
        Case{"[stages.b]\ntype = generate\n", 2, 8,
             "expected a value, found the bare word 'generate'",
             "strings need quotes: \"generate\""},
        Case{"[stages.b]\nordered = True\n", 2, 11,
             "expected a value: true and false are written in lower case",
             "for a string, use quotes"},
        Case{"[stages.b]\ntype: \"x\"\n", 2, 5,
             "invalid TOML in a key-value pair: expected '=', saw ':'",
             "TOML puts '=' between a key and its value: key = value"},
        Case{"[stages.b\n", 1, 10,
             "invalid TOML in a table header: expected ']', found the end of the line",
             "a table header is written [stages.NAME]"},
        Case{"[stages.b]\ncount = 1\ncount = 2\n", 3, 9,
             "invalid TOML in a key-value pair: cannot redefine existing integer 'count'",
             "each key and table may be given once; --set changes a value without editing"}));

}  // namespace
}  // namespace sluice::dsl
