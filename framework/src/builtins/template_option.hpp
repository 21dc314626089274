// Compiling a template-typed option in a factory. The DSL has already
// checked a top-level option; a failure here means a C++ caller passed a bad
// one, or the template sits inside a table (map's attrs).
#pragma once

#include <string>
#include <string_view>

#include "builtins/bad_option.hpp"
#include "expr/expression.hpp"
#include "sluice/options.hpp"

namespace sluice::builtins {

/// `option` names it in the error: "payload", "attrs.tenant".
inline expr::Template compile_template(std::string_view source, const std::string& option) {
  auto t = expr::Template::compile(source);
  if (!t) {
    throw BadOption(option, "in template '" + option + "': " + t.error().message, t.error().column);
  }
  return std::move(t).value();
}

inline expr::Template compile_template(const Options& options, std::string_view name) {
  return compile_template(options.get_string(name), std::string(name));
}

}  // namespace sluice::builtins
