#include "position_in_string.hpp"

#include <cstdint>

namespace sluice::dsl::detail {
namespace {

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

/// Byte offset of the start of (1-based) `line` in `text`, or npos.
std::size_t line_start(std::string_view text, std::size_t line) {
  std::size_t at = 0;
  for (std::size_t l = 1; l < line; ++l) {
    at = text.find('\n', at);
    if (at == std::string_view::npos) return at;
    ++at;
  }
  return at;
}

/// The UTF-8 length of the code point a \uXXXX or \UXXXXXXXX escape spells.
std::size_t escape_bytes(std::string_view hex) {
  std::uint32_t cp = 0;
  for (char c : hex) {
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : 0;
    cp = cp * 16 + static_cast<std::uint32_t>(digit);
  }
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

bool blank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::optional<TextPosition> position_in_string(std::string_view text, TextPosition start,
                                               std::size_t offset) {
  std::size_t pos = line_start(text, start.line);
  if (pos == std::string_view::npos) return std::nullopt;
  for (std::size_t c = 1; c < start.column && pos < text.size() && text[pos] != '\n'; ++c) {
    ++pos;
    while (pos < text.size() && continuation(text[pos])) ++pos;
  }
  if (pos >= text.size() || (text[pos] != '"' && text[pos] != '\'')) return std::nullopt;
  const bool literal = text[pos] == '\'';
  const bool multi_line = text.substr(pos, 3) == (literal ? "'''" : "\"\"\"");
  pos += multi_line ? 3 : 1;
  if (multi_line) {  // a line break right after the opening quotes is not part of the value
    if (text.substr(pos, 2) == "\r\n") {
      pos += 2;
    } else if (pos < text.size() && text[pos] == '\n') {
      pos += 1;
    }
  }
  // A line-ending backslash in a multi-line basic string: it and all the
  // white space after it are not part of the value.
  const auto skip_folded = [&] {
    while (!literal && multi_line && pos + 1 < text.size() && text[pos] == '\\' &&
           (blank(text[pos + 1]) || text[pos + 1] == '\r' || text[pos + 1] == '\n')) {
      ++pos;
      while (pos < text.size() && (blank(text[pos]) || text[pos] == '\r' || text[pos] == '\n')) {
        ++pos;
      }
    }
  };
  for (std::size_t decoded = 1; decoded < offset && pos < text.size();) {
    skip_folded();
    if (pos >= text.size()) break;
    const char c = text[pos];
    if (!literal && c == '\\' && pos + 1 < text.size()) {
      const char e = text[pos + 1];
      if (e == 'u' || e == 'U') {
        const std::size_t digits = e == 'u' ? 4 : 8;
        decoded += escape_bytes(text.substr(pos + 2, digits));
        pos += 2 + digits;
      } else {
        decoded += 1;
        pos += 2;
      }
    } else if (c == '\r' && multi_line && text.substr(pos, 2) == "\r\n") {
      decoded += 1;  // a line break is one '\n' in the value
      pos += 2;
    } else {
      decoded += 1;
      pos += 1;
    }
  }
  skip_folded();
  if (pos > text.size()) pos = text.size();
  TextPosition at{1, 1};
  std::size_t begin = 0;
  for (std::size_t nl = text.find('\n'); nl != std::string_view::npos && nl < pos;
       nl = text.find('\n', nl + 1)) {
    ++at.line;
    begin = nl + 1;
  }
  for (std::size_t i = begin; i < pos; ++i) {
    if (!continuation(text[i])) ++at.column;
  }
  return at;
}

}  // namespace sluice::dsl::detail
