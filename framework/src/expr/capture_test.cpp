#include "expr/capture.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "expr/expression.hpp"
#include "expr/runtime_errors.hpp"
#include "expr/test_eval.hpp"
#include "sluice/clock.hpp"

namespace sluice::expr {
namespace {

Message sample() {
  Message m;
  m.payload = "GET /api/users/42 took 35 ms";
  m.attrs.set("re", R"x((\d+) ms)x");
  m.attrs.set("bad", "(");
  return m;
}

std::string eval(std::string_view src) { return test_eval::rendered(src, sample()); }

TEST(Capture, TheNthGroupOfTheFirstMatch) {
  EXPECT_EQ(eval(R"x(capture(payload, "/users/(\\d+)", 1))x"), "42");
  EXPECT_EQ(eval(R"x(capture(payload, "(\\w+) /(\\w+)", 2))x"), "api");
  EXPECT_EQ(eval(R"x(capture(payload, "(\\d+)", 1))x"), "42");            // the first match
  EXPECT_EQ(eval(R"x(capture(payload, "took (\\d+)", 0))x"), "took 35");  // 0: the whole match
  EXPECT_EQ(eval(R"x(capture(payload, "took (\\d+)"))x"), "35");          // default: group 1
  EXPECT_EQ(eval(R"x(capture(payload, "took (\\d+)") + 1)x"), "36");      // reads as a number
  EXPECT_EQ(eval(R"x(capture(12345, "(3)(4)", 2))x"), "4");               // the text of a number
  EXPECT_EQ(eval(R"x(capture("", "(a*)", 1) == "")x"), "true");
}

TEST(Capture, NullWhenItDoesNotMatch) {
  EXPECT_EQ(eval(R"x(capture(payload, "POST (\\S+)", 1) == null)x"), "true");
  EXPECT_EQ(eval(R"x(capture(payload, "(x)?took", 1) == null)x"), "true");  // took no part
  EXPECT_EQ(eval(R"x(capture(null, "(a)", 1) == null)x"), "true");
  EXPECT_EQ(eval(R"x(capture(payload, "(\\d+)", seq + 2) == null)x"), "true");   // no group 2
  EXPECT_EQ(eval(R"x(capture(payload, "(\\d+)", attrs.re) == null)x"), "true");  // not an integer
  EXPECT_EQ(eval(R"x(coalesce(capture(payload, "user=(\\w+)", 1), "-"))x"), "-");
}

TEST(Capture, AComputedRegex) {
  EXPECT_EQ(eval("capture(payload, attrs.re, 1)"), "35");
  EXPECT_EQ(eval("capture(payload, attrs.missing, 1) == null"), "true");
}

/// Records expression errors.
class Recorder final : public Context {
 public:
  [[nodiscard]] std::string_view stage_name() const noexcept override { return "m"; }
  [[nodiscard]] std::size_t instance() const noexcept override { return 0; }
  [[nodiscard]] std::size_t instances() const noexcept override { return 1; }
  [[nodiscard]] const Clock& clock() const noexcept override { return clock_; }
  [[nodiscard]] bool cancelled() const noexcept override { return false; }
  void wake_at(Nanos) override {}
  void request_stop() override {}
  void log(LogLevel, std::string_view message) override { logs.emplace_back(message); }
  void count_filtered(std::uint64_t) noexcept override {}
  void count_dropped(std::uint64_t) noexcept override {}
  void add_counter(std::string_view, std::uint64_t n) override { errors += n; }
  std::uint64_t errors{0};
  std::vector<std::string> logs;

 private:
  ManualClock clock_;
};

TEST(Capture, AComputedRegexThatDoesNotCompileIsNullAndAnExpressionError) {
  Recorder ctx;
  const ErrorScope scope(ctx);
  EXPECT_EQ(eval("capture(payload, attrs.bad, 1) == null"), "true");
  EXPECT_EQ(ctx.errors, 1u);
  ASSERT_EQ(ctx.logs.size(), 1u);
  EXPECT_NE(ctx.logs[0].find(R"x(the regex "(" of message 0 does not compile)x"), std::string::npos)
      << ctx.logs[0];
  EXPECT_NE(ctx.logs[0].find("`capture` is null"), std::string::npos) << ctx.logs[0];
}

TEST(Capture, LoadTimeErrors) {
  struct Case {
    const char* src;
    std::size_t column;
    const char* message;
  };
  for (const Case& c : {
           Case{R"x(capture(payload, "(", 1))x", 18, "invalid regex: missing ): ("},
           Case{R"x(capture(payload, "(a)(b)", 3))x", 28,
                "the regex has 2 groups, so there is no group 3"},
           Case{R"x(capture(payload, "(a)", -1))x", 25, "the group of capture() is a number >= 0"},
           Case{R"x(capture(payload, "(a)", "1"))x", 25, "the group of capture() is a number >= 0"},
           Case{R"x(capture(payload, "a"))x", 18, "the regex has no group"},
           Case{R"x(capture(payload, attrs.re, 40))x", 28,
                "capture() reads groups 0 to 31, not 40"},
           Case{R"x(capture(payload))x", 1, "function 'capture' takes 2 or 3 arguments, got 1"},
       }) {
    auto e = Expression::compile(c.src);
    ASSERT_FALSE(e) << c.src;
    EXPECT_EQ(e.error().column, c.column) << c.src << ": " << e.error().message;
    EXPECT_EQ(e.error().message.substr(0, std::string(c.message).size()), c.message) << c.src;
  }
  EXPECT_TRUE(Expression::compile(R"x(capture(payload, "a", 0))x"));  // the whole match
}

}  // namespace
}  // namespace sluice::expr
