// if(c, a, b) and c ? a : b: the chosen branch only, the loosest precedence, right-associative.
#include <gtest/gtest.h>

#include <string>

#include "expr/expression.hpp"
#include "expr/runtime_errors.hpp"
#include "expr/test_eval.hpp"
#include "sluice/clock.hpp"

namespace sluice::expr {
namespace {

Message sample() {
  Message m;
  m.payload = R"({"status": 503, "user": "ann"})";
  m.key = "k";
  m.seq = 4;
  return m;
}

std::string eval(std::string_view src) { return test_eval::rendered(src, sample()); }

TEST(Conditional, IfPicksABranchByTruthiness) {
  EXPECT_EQ(eval(R"(if(.status >= 500, "error", "ok"))"), "error");
  EXPECT_EQ(eval(R"(if(.missing, "yes", "no"))"), "no");  // null is false
  EXPECT_EQ(eval(R"(if("", 1, 2))"), "2");
  EXPECT_EQ(eval(R"(if(seq % 2 == 0, seq / 2, null))"), "2");
  EXPECT_EQ(eval(R"(if(false, 1, .user))"), "ann");
}

TEST(Conditional, TheOperatorIsTheSame) {
  EXPECT_EQ(eval(R"(.status >= 500 ? "error" : "ok")"), "error");
  EXPECT_EQ(eval(R"(seq > 10 ? "big" : seq > 2 ? "medium" : "small")"), "medium");
  // Loosest of all: the condition takes the whole `||`, each branch too.
  EXPECT_EQ(eval(R"(seq == 1 || key == "k" ? "a" + "b" : "c")"), "ab");
  EXPECT_EQ(eval(R"("<" + (seq > 2 ? "x" : "y") + ">")"), "<x>");
  EXPECT_EQ(eval(R"([seq > 2 ? 1 : 0, 5][0])"), "1");
  EXPECT_EQ(eval(R"(upper(seq > 2 ? key : "n"))"), "K");
  EXPECT_EQ(eval(R"(seq > 2 ? seq > 3 ? "a" : "b" : "c")"), "a");
}

TEST(Conditional, InATemplate) {
  auto t = Template::compile(R"(user {.user} is {.status >= 500 ? "down" : "up"})");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->render(sample()), "user ann is down");
}

/// Counts expression errors, to tell whether a branch was evaluated.
class Counting final : public Context {
 public:
  [[nodiscard]] std::string_view stage_name() const noexcept override { return "s"; }
  [[nodiscard]] std::size_t instance() const noexcept override { return 0; }
  [[nodiscard]] std::size_t instances() const noexcept override { return 1; }
  [[nodiscard]] const Clock& clock() const noexcept override { return clock_; }
  [[nodiscard]] bool cancelled() const noexcept override { return false; }
  void wake_at(Nanos) override {}
  void request_stop() override {}
  void log(LogLevel, std::string_view) override {}
  void count_filtered(std::uint64_t) noexcept override {}
  void count_dropped(std::uint64_t) noexcept override {}
  void add_counter(std::string_view, std::uint64_t n) override { errors += n; }
  std::uint64_t errors{0};

 private:
  ManualClock clock_;
};

TEST(Conditional, OnlyTheChosenBranchIsEvaluated) {
  Message m = sample();
  m.attrs.set("re", "(");  // does not compile: an expression error when evaluated
  Counting ctx;
  const ErrorScope scope(ctx);
  EXPECT_EQ(test_eval::rendered(R"(if(true, "t", key matches attrs.re))", m), "t");
  EXPECT_EQ(test_eval::rendered(R"(false ? key matches attrs.re : "f")", m), "f");
  EXPECT_EQ(ctx.errors, 0u);
  EXPECT_EQ(test_eval::rendered(R"(true ? key matches attrs.re : "f")", m), "false");
  EXPECT_EQ(ctx.errors, 1u);
}

TEST(Conditional, Errors) {
  auto missing = Expression::compile(R"(seq > 1 ? "a")");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().column, 14u);
  EXPECT_EQ(missing.error().message, "expected ':' of the '?' at column 9, found end of input");
  auto stray = Expression::compile(R"(seq : 1)");
  ASSERT_FALSE(stray);
  EXPECT_EQ(stray.error().column, 5u);
  EXPECT_EQ(stray.error().message, "':' without a '?' (write c ? a : b)");
  auto arity = Expression::compile(R"(if(seq, 1))");
  ASSERT_FALSE(arity);
  EXPECT_EQ(arity.error().message, "function 'if' takes 3 arguments, got 2");
}

}  // namespace
}  // namespace sluice::expr
