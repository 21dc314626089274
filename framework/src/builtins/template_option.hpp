// Compiling a template-typed option in a factory. The DSL has already
// checked it; a failure here means a C++ caller passed a bad one.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "expr/expression.hpp"
#include "sluice/options.hpp"

namespace sluice::builtins {

inline expr::Template compile_template(const Options& options, std::string_view name) {
  auto t = expr::Template::compile(options.get_string(name));
  if (!t) {
    throw std::invalid_argument("option '" + std::string(name) + "', column " +
                                std::to_string(t.error().column) + ": " + t.error().message);
  }
  return std::move(t).value();
}

}  // namespace sluice::builtins
