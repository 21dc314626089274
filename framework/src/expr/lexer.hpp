// The lexer of the expression language: source text to a vector of tokens, each with the
// 1-based column at which it starts (shifted by `column_offset` when the expression sits
// inside a template, so that errors point into the whole template string).
//
//   auto tokens = detail::tokenize(R"(.status >= 500)");
//   // Dot, Ident "status", GreaterEqual, Int 500, End
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "expr/expression.hpp"
#include "sluice/result.hpp"

namespace sluice::expr::detail {

enum class Tok : std::uint8_t {
  end,
  integer,
  floating,
  string,
  ident,  ///< names, fields, functions and keyword operators (contains, in, true, ...)
  dot,
  comma,
  lparen,
  rparen,
  lbracket,
  rbracket,
  oror,
  andand,
  bang,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  plus,
  minus,
  star,
  slash,
  percent,
  question,
  colon,
};

struct Token {
  Tok kind{Tok::end};
  std::size_t column{1};  ///< 1-based, including the column offset
  std::string_view text;  ///< the token as written in the source
  std::int64_t int_value{0};
  double float_value{0.0};
  std::string str_value;  ///< the decoded string literal
};

/// Splits `source` into tokens; the last one is always Tok::end.
[[nodiscard]] Result<std::vector<Token>, ParseError> tokenize(std::string_view source,
                                                              std::size_t column_offset = 0);

/// How a token is named in an error message: `')'`, `'contains'` or `end of input`.
[[nodiscard]] std::string describe(const Token& t);

}  // namespace sluice::expr::detail
