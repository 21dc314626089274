// Compiling an expression-typed option in a factory. The DSL has already
// checked it; a failure here means a C++ caller passed a bad one.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "expr/expression.hpp"
#include "sluice/options.hpp"

namespace sluice::builtins {

inline expr::Expression compile_expression(std::string_view source, std::string_view what) {
  auto e = expr::Expression::compile(source);
  if (!e) {
    throw std::invalid_argument(std::string(what) + ", column " + std::to_string(e.error().column) +
                                ": " + e.error().message);
  }
  return std::move(e).value();
}

inline expr::Expression compile_expression(const Options& options, std::string_view name) {
  return compile_expression(options.get_string(name), "option '" + std::string(name) + "'");
}

}  // namespace sluice::builtins
