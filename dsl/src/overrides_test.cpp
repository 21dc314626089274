// --set KEY=VALUE through the loader: a value is one TOML value or plain text,
// never more TOML.
#include "overrides.hpp"

#include <gtest/gtest.h>

#include <string>

#include "sluice/dsl/loader.hpp"

namespace sluice::dsl {
namespace {

const Diagnostic* find(const LoadResult& r, std::string_view code) {
  for (const auto& d : r.diagnostics) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

constexpr std::string_view kFile = "[stages.src]\ntype = \"x\"\n";

TEST(Overrides, AValueWithALineBreakCannotAddMoreToml) {
  static const Registry empty;
  // Before: the table after the line break was parsed and silently dropped.
  auto r = load_pipeline_text(kFile, "p.toml", {"stages.src.count=1\n[stages.evil]\ntype = \"y\""},
                              empty);
  const Diagnostic* d = find(r, "bad-override");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->message, "the value of 'stages.src.count' is more than one TOML value");
  EXPECT_EQ(d->span.line, 0u);
  auto two = load_pipeline_text(kFile, "p.toml", {"stages.src.count=1\nother = 2"}, empty);
  EXPECT_NE(find(two, "bad-override"), nullptr);
}

TEST(Overrides, OneValueOverSeveralLinesIsFine) {
  static const Registry empty;
  auto r = load_pipeline_text(kFile, "p.toml",
                              {"stages.src.payload=\"\"\"a\nb\"\"\"", "stages.src.list=[1,\n2]",
                               "stages.src.text=plain text\nwith a break"},
                              empty);
  EXPECT_EQ(find(r, "bad-override"), nullptr);
}

}  // namespace
}  // namespace sluice::dsl
