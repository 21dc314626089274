// Built-in factories run at load time, and what they reject is reported at
// the option, with every other problem of the file: against the built-in
// registry, as `sluice check` sees them.
#include "factory_error.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "sluice/dsl/loader.hpp"

namespace sluice::dsl {
namespace {

LoadResult load(std::string_view text) {
  return load_pipeline_text(text, "p.toml", {}, builtin_registry());
}

std::string all(const LoadResult& r) {
  std::string s;
  for (const auto& d : r.diagnostics) s += format(d);
  return s;
}

bool has(const LoadResult& r, std::string_view code, std::size_t line, std::size_t column,
         std::string_view message) {
  return std::any_of(r.diagnostics.begin(), r.diagnostics.end(), [&](const Diagnostic& d) {
    return d.code == code && d.span.line == line && d.span.column == column && d.message == message;
  });
}

bool mentions(const LoadResult& r, std::string_view text) {
  return all(r).find(text) != std::string::npos;
}

TEST(FactoryErrors, BuiltInFactoriesRunAtLoadAndPointAtTheOption) {
  auto r = load(R"([stages.src]
type = "generate"

[stages.m]
type = "map"
inputs = ["src"]
attrs = { tenant = "{.tenant}", region = 5 }

[stages.t]
type = "map"
inputs = ["src"]
attrs = { tenant = "x-{.tenant" }

[stages.lines]
type = "split"
inputs = ["src"]
separator = ""

[stages.out]
type = "discard"
inputs = ["m", "t", "lines"]
)");
  EXPECT_EQ(r.diagnostics.size(), 3u) << all(r);
  EXPECT_TRUE(has(r, "bad-option", 7, 42,
                  "'attrs.region' in stage 'm' must be a template string, not an integer"))
      << all(r);
  EXPECT_TRUE(has(r, "bad-option", 12, 23,
                  "in template 'attrs.tenant' in stage 't': unterminated '{' in template (write "
                  "'{{' for a literal '{')"))
      << all(r);
  EXPECT_TRUE(has(r, "bad-option", 17, 13, "'separator' in stage 'lines' must not be empty"))
      << all(r);
}

TEST(FactoryErrors, PriorityWeightsAreCheckedAgainstTheLanes) {
  auto r = load(R"([stages.a]
type = "generate"
[stages.b]
type = "generate"
[stages.lanes]
type = "priority"
inputs = ["a", "b"]
policy = "weighted"
weights = [3, 2, 1]
[stages.out]
type = "discard"
inputs = ["lanes"]
)");
  EXPECT_EQ(r.diagnostics.size(), 1u) << all(r);
  EXPECT_TRUE(has(r, "bad-option", 9, 11, "'weights' in stage 'lanes' has 3 entries for 2 lanes"))
      << all(r);

  // With several inputs `lanes` has no place: said by check, not at run time.
  auto lanes = load(R"([stages.a]
type = "generate"
[stages.b]
type = "generate"
[stages.p]
type = "priority"
inputs = ["a", "b"]
lanes = 2
[stages.out]
type = "discard"
inputs = ["p"]
)");
  EXPECT_EQ(lanes.diagnostics.size(), 1u) << all(lanes);
  EXPECT_TRUE(has(lanes, "bad-option", 8, 9,
                  "'lanes' in stage 'p' has no effect: with 2 inputs the lanes are the inputs"))
      << all(lanes);

  // The factory's own complaint lands on the option its message names.
  auto zero = load(R"([stages.a]
type = "generate"
[stages.lanes]
type = "priority"
inputs = ["a"]
weights = [3, 0]
[stages.out]
type = "discard"
inputs = ["lanes"]
)");
  ASSERT_EQ(zero.diagnostics.size(), 1u) << all(zero);
  EXPECT_EQ(zero.diagnostics[0].code, "bad-option");
  EXPECT_EQ(zero.diagnostics[0].span.line, 6u);
  EXPECT_EQ(zero.diagnostics[0].span.column, 11u);
}

TEST(FactoryErrors, RouteErrorsPointIntoTheExpressionAndKeepThePorts) {
  auto r = load(R"([stages.src]
type = "generate"

[stages.router]
type = "route"
inputs = ["src"]
routes = { errors = '.status >= 500', slow = '.latency > ', odd = 5 }

[stages.e]
type = "discard"
inputs = ["router.error"]

[stages.s]
type = "discard"
inputs = ["router.slow", "router.odd", "router.unmatched"]
)");
  // The first bad route is reported; the ports stay, so the consumers are
  // checked against them and only the real typo is an error.
  EXPECT_EQ(r.diagnostics.size(), 2u) << all(r);
  EXPECT_TRUE(has(r, "bad-option", 7, 57,
                  "in expression 'routes.slow' in stage 'router': expected an expression, found "
                  "end of input"))
      << all(r);
  EXPECT_TRUE(has(r, "unknown-port", 11, 11, "stage 'router' has no output port 'error'"))
      << all(r);
  EXPECT_FALSE(mentions(r, "is a sink")) << all(r);

  auto not_a_string = load(R"([stages.src]
type = "generate"
[stages.r]
type = "route"
inputs = ["src"]
routes = { a = 5, b = "true" }
[stages.o]
type = "discard"
inputs = ["r.a", "r.b", "r.unmatched"]
)");
  ASSERT_EQ(not_a_string.diagnostics.size(), 1u) << all(not_a_string);
  EXPECT_TRUE(has(not_a_string, "bad-option", 6, 16,
                  "'routes.a' in stage 'r' must be an expression string, not an integer"))
      << all(not_a_string);
}

TEST(FactoryErrors, FanOutHashWithoutByIsAtModeAndDoesNotCascade) {
  auto r = load(R"([stages.src]
type = "generate"
[stages.spread]
type = "fan_out"
inputs = ["src"]
mode = "hash"
[stages.out]
type = "discard"
inputs = ["spread.0", "spread.1"]
)");
  ASSERT_EQ(r.diagnostics.size(), 1u) << all(r);
  EXPECT_TRUE(
      has(r, "bad-option", 6, 8, "'mode' in stage 'spread' is \"hash\" but no 'by' is given"))
      << all(r);
  EXPECT_FALSE(r.diagnostics[0].hint.empty());
}

TEST(FactoryErrors, AnOptionAlreadyReportedIsNotEchoedByTheFactory) {
  auto r = load(R"([stages.src]
type = "generate"
[stages.spread]
type = "fan_out"
inputs = ["src"]
mode = "hsh"
[stages.out]
type = "discard"
inputs = ["spread.0"]
)");
  ASSERT_EQ(r.diagnostics.size(), 1u) << all(r);
  EXPECT_EQ(r.diagnostics[0].code, "bad-choice");
}

TEST(FactoryErrors, APlainMessageGoesToTheOptionItNamesFirst) {
  const std::map<std::string, Span> given = {{"level", Span{"p.toml", 3, 9}},
                                             {"weights", Span{"p.toml", 4, 11}}};
  EXPECT_EQ(detail::mentioned_option("weights must be integers >= 1", given), "weights");
  EXPECT_EQ(detail::mentioned_option("'level' 5 is above the max; see weights", given), "level");
  EXPECT_EQ(detail::mentioned_option("levels and weight are words, not options", given),
            std::nullopt);
  EXPECT_EQ(detail::in_stage("'level' is too high", "level", "judge"),
            "'level' in stage 'judge' is too high");
  EXPECT_EQ(detail::in_stage("level is too high", "level", "judge"),
            "stage 'judge': level is too high");
}

}  // namespace
}  // namespace sluice::dsl
