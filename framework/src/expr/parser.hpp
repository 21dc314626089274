// The parser: tokens to a compiled tree, by recursive descent, one function per
// precedence level (lowest first: || && ! comparisons + - * / % unary-minus postfix-[]).
// Every load-time check (unknown function or field, argument count, bad regex literal)
// happens here, with the column of the offending token.
//
//   auto root = detail::parse(R"(lower(key) in ["a", "b"])");
//   if (!root) report(root.error().column, root.error().message);
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "expr/expression.hpp"
#include "expr/node.hpp"
#include "sluice/result.hpp"

namespace sluice::expr::detail {

/// Longer expressions are rejected, which bounds the depth of the tree.
inline constexpr std::size_t kMaxTokens = 4096;
/// Deeper nesting of parentheses, brackets and unary operators is rejected.
inline constexpr int kMaxNesting = 256;

/// Parses `source`; columns in errors are shifted by `column_offset` (for templates).
[[nodiscard]] Result<NodePtr, ParseError> parse(std::string_view source,
                                                std::size_t column_offset = 0);

/// What `check` warns about in a source that compiles: a comparison between a number (a
/// number literal, a numeric field, seq, priority..., or a call of a function that gives a
/// number, len(), now()...) and a string literal that does not read as a number, which never
/// holds (`priority == "high"`). Empty when it does not compile.
[[nodiscard]] std::vector<ParseError> lint(std::string_view source);

/// The candidate closest to `name` by edit distance (at most 2), or "" when none is close.
[[nodiscard]] std::string_view closest_name(std::string_view name,
                                            std::span<const std::string_view> candidates);

}  // namespace sluice::expr::detail
