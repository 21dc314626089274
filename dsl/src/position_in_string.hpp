// Where a character of a TOML string's value is in the file. An expression
// or template error has a column inside the decoded string (bytes, counted
// from 1); the user needs the line and column in the file, where escapes take
// more room, a multi-line string spans lines, and columns count characters
// (as toml++'s and an editor's do), not bytes.
//
//   // line 8: condition = 'seq >'   (the string starts at column 13)
//   auto at = position_in_string(text, {8, 13}, 6);  // {8, 19}: just past '>'
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace sluice::dsl::detail {

struct TextPosition {
  std::size_t line{0};    ///< 1-based
  std::size_t column{0};  ///< 1-based, in characters (UTF-8 code points)
  bool operator==(const TextPosition&) const = default;
};

/// `start`: the string's opening quote (toml++'s source position of the
/// value); `offset`: 1-based byte offset into the decoded value. Nothing when
/// `start` is not at a quote.
[[nodiscard]] std::optional<TextPosition> position_in_string(std::string_view text,
                                                             TextPosition start,
                                                             std::size_t offset);

}  // namespace sluice::dsl::detail
