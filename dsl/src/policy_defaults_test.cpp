// A policy written in a pipeline file with no settings is the C++ config's
// default, key by key: the TOML schemas and the config structs come from one
// table (sluice/policy_options.hpp), and these tests keep it so. The
// breaker's documented defaults are pinned too.
#include <gtest/gtest.h>

#include <string>

#include "sluice/dsl/loader.hpp"
#include "sluice/dsl/schemas.hpp"
#include "sluice/policy_options.hpp"
#include "sluice/spellings.hpp"

namespace sluice::dsl {
namespace {

/// The node `call` of a pipeline whose stage `call` has `extra` keys.
NodeOptions node_of(const std::string& extra) {
  const std::string text =
      "[stages.src]\ntype = \"generate\"\ncount = 1\n"
      "[stages.call]\ntype = \"map\"\ninputs = [\"src\"]\n" +
      extra + "\n[stages.out]\ntype = \"discard\"\ninputs = [\"call\"]\n";
  auto loaded = load_pipeline_text(text, "p.toml", {}, builtin_registry());
  EXPECT_FALSE(has_errors(loaded.diagnostics));
  auto compiled = compile(loaded.spec, builtin_registry());
  for (const auto& n : compiled.graph.nodes()) {
    if (n.name == "call") return n.options;
  }
  ADD_FAILURE() << "no node call";
  return {};
}

TEST(PolicyDefaults, ABreakerFromTomlHasTheCppDefaults) {
  const auto node = node_of("circuit_breaker = {}");
  ASSERT_NE(node.circuit_breaker, nullptr);
  const auto& toml = node.circuit_breaker->config();
  const CircuitBreaker::Config cpp{};
  EXPECT_EQ(toml.failure_rate, cpp.failure_rate);
  EXPECT_EQ(toml.window, cpp.window);
  EXPECT_EQ(toml.window_time, cpp.window_time);
  EXPECT_EQ(toml.min_calls, cpp.min_calls);
  EXPECT_EQ(toml.slow_call, cpp.slow_call);
  EXPECT_EQ(toml.slow_call_rate, cpp.slow_call_rate);
  EXPECT_EQ(toml.open_for, cpp.open_for);
  EXPECT_EQ(toml.half_open_calls, cpp.half_open_calls);
}

TEST(PolicyDefaults, TheBreakerDefaultsAreTheDocumentedOnes) {
  const CircuitBreaker::Config cpp{};
  EXPECT_EQ(cpp.failure_rate, 0.5);
  EXPECT_EQ(cpp.window, 100);
  EXPECT_EQ(cpp.min_calls, 20);
  EXPECT_EQ(cpp.open_for, 5 * kNanosPerSecond);
  EXPECT_EQ(cpp.half_open_calls, 3);
  const Schema& schema = breaker_schema();
  ASSERT_NE(schema.find("min_calls"), nullptr);
  EXPECT_EQ(schema.find("min_calls")->default_value->i, 20);
  EXPECT_EQ(schema.find("open_for")->default_value->i, 5 * kNanosPerSecond);
  EXPECT_EQ(schema.find("half_open_calls")->default_value->i, 3);
}

TEST(PolicyDefaults, ARetryFromTomlHasTheCppDefaults) {
  const auto node = node_of("retry = {}");
  const RetryPolicy cpp{};
  EXPECT_EQ(node.retry.max_attempts, cpp.max_attempts);
  EXPECT_EQ(node.retry.initial_backoff, cpp.initial_backoff);
  EXPECT_EQ(node.retry.max_backoff, cpp.max_backoff);
  EXPECT_EQ(node.retry.multiplier, cpp.multiplier);
  EXPECT_EQ(node.retry.jitter, cpp.jitter);
  EXPECT_EQ(node.retry.retry_on, cpp.retry_on);
  EXPECT_EQ(node.retry.budget, cpp.budget);
  EXPECT_EQ(node.retry.budget_reserve, cpp.budget_reserve);
  EXPECT_EQ(node.retry.seed, cpp.seed);
}

TEST(PolicyDefaults, ALimiterFromTomlHasTheCppDefaultsButItsRate) {
  OptionValue settings;
  settings.kind = OptionValue::Kind::table;
  settings.table.emplace_back("rate", OptionValue::of(5.0));
  for (const auto& o : limiter_schema().options) {
    if (o.default_value) settings.table.emplace_back(o.name, *o.default_value);
  }
  const auto toml = limiter_config(settings);
  const RateLimiter::Config cpp{};
  EXPECT_EQ(toml.rate, 5.0);
  EXPECT_EQ(toml.per, cpp.per);
  EXPECT_EQ(toml.burst, cpp.burst);
  EXPECT_EQ(toml.mode, cpp.mode);
  EXPECT_EQ(toml.max_wait, cpp.max_wait);
}

TEST(PolicyDefaults, EnumChoicesAreTheirSpellings) {
  EXPECT_EQ(retry_schema().find("jitter")->choices, choices_of(kJitterSpellings));
  EXPECT_EQ(retry_schema().find("retry_on")->choices, choices_of(kRetryOnSpellings));
  EXPECT_EQ(limiter_schema().find("mode")->choices, choices_of(kLimiterModeSpellings));
  EXPECT_EQ(common_schema().find("overflow")->choices, choices_of(kOverflowSpellings));
  EXPECT_EQ(common_schema().find("on_error")->choices, choices_of(kOnErrorSpellings));
  for (const auto& s : kJitterSpellings) EXPECT_EQ(to_string(s.value), s.name);
}

}  // namespace
}  // namespace sluice::dsl
