// Expression errors met at run time (docs/expressions.md) reach
// the stats and the log of the stage that met them, fused or not.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "builtins/test_graph.hpp"
#include "sluice/pipeline.hpp"

namespace sluice {
namespace {

using testing::add;
using testing::keep;
using testing::Kept;

TEST(ExpressionErrors, ABadRegexFromTheMessageIsCountedAndLoggedOnTheStageThatMetIt) {
  for (const Fusion fusion : {Fusion::never, Fusion::always}) {
    Kept got;
    Graph g;
    auto src = add(g, "src", "generate", false,
                   {{"count", OptionValue::of(6)}, {"payload", OptionValue::of("abc")}});
    auto a = add(g, "a", "filter", true, {{"condition", OptionValue::of("seq > 0")}});
    // Odd seqs give the pattern "b" (matches), even ones "(b", which does not compile.
    auto b = add(g, "b", "filter", true,
                 {{"condition", OptionValue::of(R"(payload matches substr("(b", seq % 2, 2))")}});
    g.connect(src, a);
    g.connect(a, b);
    g.connect(b, keep(g, "out", got));
    std::mutex mu;
    std::vector<std::string> logs;
    RunOptions options{.threads = 2, .fusion = fusion};
    options.log = [&](LogLevel, std::string_view stage, std::string_view message) {
      const std::lock_guard lock(mu);
      logs.push_back(std::string(stage) + ": " + std::string(message));
    };
    Pipeline p(std::move(g), options);
    ASSERT_TRUE(p.run().ok());
    EXPECT_EQ(got.size(), 3u);
    const auto sb = testing::stage(p, "b");
    EXPECT_EQ(sb.filtered, 3u);
    EXPECT_EQ(sb.counters.count("expression_errors") ? sb.counters.at("expression_errors") : 0, 3u);
    EXPECT_EQ(testing::stage(p, "a").counters.count("expression_errors"), 0u);
    ASSERT_EQ(logs.size(), 1u);
    EXPECT_EQ(logs[0].rfind(R"(b: expression error: the regex "(b" of message )", 0), 0u)
        << logs[0];
  }
}

}  // namespace
}  // namespace sluice
