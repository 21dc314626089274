// docs/expressions.md is the language's reference: every function the parser knows has its
// own heading there, `### name(...)`, so a new function cannot land undocumented.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "expr/functions.hpp"

namespace sluice::expr::detail {
namespace {

std::string reference() {
  std::ifstream in(std::string(SLUICE_REPO_DIR) + "/docs/expressions.md");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(FunctionsDoc, EveryFunctionHasItsSectionInDocsExpressionsMd) {
  const std::string doc = reference();
  ASSERT_FALSE(doc.empty()) << "docs/expressions.md is missing";
  ASSERT_GE(all_functions().size(), 18u);
  for (const FuncInfo& f : all_functions()) {
    const std::string heading = "\n### " + std::string(f.name) + "(";
    EXPECT_NE(doc.find(heading), std::string::npos)
        << "docs/expressions.md has no '### " << f.name << "(...)' section";
  }
}

TEST(FunctionsDoc, EverySectionNamesAFunction) {
  const std::string doc = reference();
  const std::string start = "\n### ";
  for (auto at = doc.find(start); at != std::string::npos; at = doc.find(start, at + 1)) {
    const auto name_start = at + start.size();
    const auto paren = doc.find('(', name_start);
    const auto eol = doc.find('\n', name_start);
    if (paren == std::string::npos || paren > eol) continue;  // a heading that is no function
    const std::string name = doc.substr(name_start, paren - name_start);
    EXPECT_NE(find_function(name), nullptr)
        << "docs/expressions.md documents '" << name << "()', which the parser does not know";
  }
}

}  // namespace
}  // namespace sluice::expr::detail
