// The live page's HTML: the SVG inline, or a message where it would be, and
// names from the file escaped.
#include "ui_page.hpp"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

TEST(UiPage, HasTheSvgInlineAndPollsUiJson) {
  const std::string page = ui_page_html("demo", "<svg><g id=\"stage_0\"></g></svg>", "");
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("<title>sluice: demo</title>"), std::string::npos);
  EXPECT_NE(page.find("<div id=\"graph\"><svg><g id=\"stage_0\"></g></svg></div>"),
            std::string::npos);
  EXPECT_NE(page.find("fetch(\"ui.json\""), std::string::npos);
  EXPECT_EQ(page.find("@TITLE@"), std::string::npos);
  EXPECT_EQ(page.find("@GRAPH@"), std::string::npos);
}

TEST(UiPage, WithoutADrawingItSaysWhy) {
  const std::string page = ui_page_html("demo", "", "the Graphviz `dot` command is not installed");
  EXPECT_NE(page.find("No drawing of the graph: the Graphviz `dot` command is not installed."),
            std::string::npos);
  EXPECT_EQ(page.find("<svg"), std::string::npos);
}

TEST(UiPage, NamesAreEscapedAndNeverTakenForPlaceholders) {
  const std::string page = ui_page_html("<b>&\"@GRAPH@'", "<svg>@TITLE@</svg>", "");
  EXPECT_NE(page.find("<title>sluice: &lt;b&gt;&amp;&quot;@GRAPH@&#39;</title>"),
            std::string::npos);
  EXPECT_NE(page.find("<svg>@TITLE@</svg>"), std::string::npos);
  EXPECT_EQ(html_escape("a<b"), "a&lt;b");
}

}  // namespace
}  // namespace sluice::cli
