// UTF-8 for the string functions: `len`, `substr`, `upper`, `lower` and `s[i]` count and
// change characters (code points), not bytes. A byte that does not start a well-formed
// sequence (RFC 3629: no overlong forms, surrogates or values above U+10FFFF) is one
// character of its own and passes through unchanged, so no input is rejected or altered
// beyond the letters that change case.
//
//   utf8::count("ünï")            // 3
//   utf8::offset_of("ünï", 1)     // 2, the byte where 'n' starts
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::expr::utf8 {

struct Char {
  char32_t code{0};    ///< the code point; the byte itself when !valid
  std::size_t len{1};  ///< bytes it takes
  bool valid{false};
};

/// The character starting at byte `at` (< s.size()).
[[nodiscard]] Char decode(std::string_view s, std::size_t at) noexcept;

/// Characters in `s`.
[[nodiscard]] std::size_t count(std::string_view s) noexcept;

/// The byte offset of character `k` (s.size() when k >= count(s)).
[[nodiscard]] std::size_t offset_of(std::string_view s, std::size_t k) noexcept;

/// Appends the UTF-8 encoding of a code point.
void append(std::string& out, char32_t code);

/// Simple (one to one) case mapping of ASCII, Latin-1 Supplement, Latin Extended-A, Greek
/// and Coptic, Cyrillic and Cyrillic Supplement; other code points map to themselves.
[[nodiscard]] char32_t to_upper(char32_t c) noexcept;
[[nodiscard]] char32_t to_lower(char32_t c) noexcept;

/// `s` with every letter mapped; nullopt when nothing changes (the caller keeps its view).
[[nodiscard]] std::optional<std::string> change_case(std::string_view s, bool upper);

}  // namespace sluice::expr::utf8
