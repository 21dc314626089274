// What the expression tests share: compile a source, failing the test when
// it does not compile, and render it or test it on a message.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "expr/expression.hpp"

namespace sluice::expr::test_eval {

inline std::string rendered(std::string_view src, const Message& m) {
  auto e = Expression::compile(src);
  EXPECT_TRUE(e) << src << ": " << (e ? "" : e.error().message);
  if (!e) return "<error>";
  std::string out;
  e->render(m, out);
  return out;
}

inline bool holds(std::string_view src, const Message& m) {
  auto e = Expression::compile(src);
  EXPECT_TRUE(e) << src << ": " << (e ? "" : e.error().message);
  return e && e->test(m);
}

}  // namespace sluice::expr::test_eval
