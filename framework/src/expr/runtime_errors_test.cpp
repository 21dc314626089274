// Errors met while evaluating (a regex built from the message that does not
// compile): the documented value, a count and one log line per expression.
#include "expr/runtime_errors.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "expr/expression.hpp"
#include "sluice/clock.hpp"

namespace sluice::expr {
namespace {

/// A Context that records counters and log lines.
class Recorder final : public Context {
 public:
  [[nodiscard]] std::string_view stage_name() const noexcept override { return "f"; }
  [[nodiscard]] std::size_t instance() const noexcept override { return 0; }
  [[nodiscard]] std::size_t instances() const noexcept override { return 1; }
  [[nodiscard]] const Clock& clock() const noexcept override { return clock_; }
  [[nodiscard]] bool cancelled() const noexcept override { return false; }
  void wake_at(Nanos) override {}
  void request_stop() override {}
  void log(LogLevel, std::string_view message) override { logs.emplace_back(message); }
  void count_filtered(std::uint64_t) noexcept override {}
  void count_dropped(std::uint64_t) noexcept override {}
  void add_counter(std::string_view name, std::uint64_t n) override {
    counters[std::string(name)] += n;
  }

  std::map<std::string, std::uint64_t> counters;
  std::vector<std::string> logs;

 private:
  ManualClock clock_;
};

Message with_pattern(std::string pattern, std::uint64_t seq) {
  Message m;
  m.seq = seq;
  m.key = "abc";
  m.attrs.set("re", std::move(pattern));
  return m;
}

TEST(RuntimeErrors, ABadComputedRegexMatchesNothingAndIsCountedAndLoggedOnce) {
  auto e = Expression::compile("key matches attrs.re");
  ASSERT_TRUE(e);
  Recorder ctx;
  {
    const ErrorScope scope(ctx);
    EXPECT_FALSE(e->test(with_pattern("(", 7)));
    EXPECT_FALSE(e->test(with_pattern("[z-a]", 8)));
    EXPECT_TRUE(e->test(with_pattern("^a", 9)));  // a good pattern is no error
    EXPECT_FALSE(e->test(with_pattern("x", 10)));
  }
  EXPECT_EQ(ctx.counters["expression_errors"], 2u);
  ASSERT_EQ(ctx.logs.size(), 1u);
  EXPECT_NE(ctx.logs[0].find(R"(the regex "(" of message 7 does not compile (missing ))"),
            std::string::npos)
      << ctx.logs[0];
  EXPECT_NE(ctx.logs[0].find("`matches` is false"), std::string::npos) << ctx.logs[0];

  // Another expression logs its own first error.
  auto other = Expression::compile("attrs.re matches attrs.re");
  ASSERT_TRUE(other);
  const ErrorScope scope(ctx);
  EXPECT_FALSE(other->test(with_pattern("\x1b[31m(", 11)));
  EXPECT_EQ(ctx.counters["expression_errors"], 3u);
  ASSERT_EQ(ctx.logs.size(), 2u);
  EXPECT_NE(ctx.logs[1].find(R"("\u001b[31m(")"), std::string::npos) << ctx.logs[1];  // escaped
  EXPECT_EQ(ctx.logs[1].find('\x1b'), std::string::npos) << ctx.logs[1];  // in RE2's error too
}

TEST(RuntimeErrors, ALongPatternIsShownCut) {
  auto e = Expression::compile("key matches attrs.re");
  ASSERT_TRUE(e);
  Recorder ctx;
  const ErrorScope scope(ctx);
  EXPECT_FALSE(e->test(with_pattern(std::string(5000, 'a') + "(", 1)));
  ASSERT_EQ(ctx.logs.size(), 1u);
  EXPECT_LT(ctx.logs[0].size(), 800u);  // not the 5001 bytes twice (pattern and RE2 error)
  EXPECT_NE(ctx.logs[0].find("(5001 bytes)"), std::string::npos) << ctx.logs[0];
}

TEST(RuntimeErrors, ScopesNestAndRetargetAndNothingIsReportedOutsideThem) {
  auto e = Expression::compile("key matches attrs.re");
  ASSERT_TRUE(e);
  const Message bad = with_pattern("(", 1);
  EXPECT_FALSE(e->test(bad));  // no scope: the value only
  Recorder outer;
  Recorder inner;
  {
    const ErrorScope a(outer);
    {
      ErrorScope b(inner);
      EXPECT_FALSE(e->test(bad));
      b.retarget(outer);
      EXPECT_FALSE(e->test(bad));
    }
    EXPECT_FALSE(e->test(bad));
  }
  EXPECT_FALSE(e->test(bad));
  EXPECT_EQ(inner.counters["expression_errors"], 1u);
  EXPECT_EQ(outer.counters["expression_errors"], 2u);
}

TEST(RuntimeErrors, TemplatesReportToo) {
  auto t = Template::compile("{key matches attrs.re}");
  ASSERT_TRUE(t);
  Recorder ctx;
  const ErrorScope scope(ctx);
  EXPECT_EQ(t->render(with_pattern("(", 3)), "false");
  EXPECT_EQ(ctx.counters["expression_errors"], 1u);
}

}  // namespace
}  // namespace sluice::expr
