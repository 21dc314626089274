// A TOML syntax error as a diagnostic: toml++'s description ("Error while
// parsing value: could not determine value type") reworded, with a hint for
// the mistakes people make most (a missing closing quote, a bare word where a
// string belongs, `:` for `=`).
//
//   auto d = syntax_error("Error while parsing value: could not determine value type",
//                         Span{"p.toml", 7, 11}, file_text);  // line 7: inputs = [src]
//   // p.toml:7:11: error: expected a value, found the bare word 'src'
//   //   hint: strings need quotes: "src"
#pragma once

#include <string_view>

#include "sluice/dsl/diagnostic.hpp"

namespace sluice::dsl::detail {

/// `at` is toml++'s position (the column counts characters) in `text`, the
/// whole file.
[[nodiscard]] Diagnostic syntax_error(std::string_view description, const Span& at,
                                      std::string_view text);

}  // namespace sluice::dsl::detail
