// Compiling an expression-typed option in a factory. The DSL has already
// checked a top-level option; a failure here means a C++ caller passed a bad
// one, or the expression sits inside a table (route's routes).
#pragma once

#include <string>
#include <string_view>

#include "builtins/bad_option.hpp"
#include "expr/expression.hpp"
#include "sluice/options.hpp"

namespace sluice::builtins {

/// `option` names it in the error: "by", "routes.slow".
inline expr::Expression compile_expression(std::string_view source, const std::string& option) {
  auto e = expr::Expression::compile(source);
  if (!e) {
    throw BadOption(option, "in expression '" + option + "': " + e.error().message,
                    e.error().column);
  }
  return std::move(e).value();
}

inline expr::Expression compile_expression(const Options& options, std::string_view name) {
  return compile_expression(options.get_string(name), std::string(name));
}

}  // namespace sluice::builtins
