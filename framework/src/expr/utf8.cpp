#include "expr/utf8.hpp"

namespace sluice::expr::utf8 {
namespace {

bool cont(std::string_view s, std::size_t at, unsigned char lo = 0x80,
          unsigned char hi = 0xBF) noexcept {
  if (at >= s.size()) return false;
  const auto b = static_cast<unsigned char>(s[at]);
  return b >= lo && b <= hi;
}

bool in(char32_t c, char32_t lo, char32_t hi) noexcept { return c >= lo && c <= hi; }

// Blocks where upper and lower case alternate: the upper case letter at an even or an odd
// code point, its lower case letter right after it.
bool pair_upper(char32_t c, char32_t lo, char32_t hi) noexcept {
  return in(c, lo, hi) && (c - lo) % 2 == 0;
}
bool pair_lower(char32_t c, char32_t lo, char32_t hi) noexcept {
  return in(c, lo, hi) && (c - lo) % 2 == 1;
}

}  // namespace

Char decode(std::string_view s, std::size_t at) noexcept {
  const auto b0 = static_cast<unsigned char>(s[at]);
  const auto byte = [&](std::size_t k) { return static_cast<char32_t>(s[at + k]) & 0x3F; };
  if (b0 < 0x80) return {b0, 1, true};
  if (b0 >= 0xC2 && b0 <= 0xDF && cont(s, at + 1)) {
    return {((b0 & 0x1FU) << 6) | byte(1), 2, true};
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    // E0 excludes overlong forms, ED the surrogates D800-DFFF.
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
    if (cont(s, at + 1, lo, hi) && cont(s, at + 2)) {
      return {((b0 & 0x0FU) << 12) | (byte(1) << 6) | byte(2), 3, true};
    }
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    // F0 excludes overlong forms, F4 values above U+10FFFF.
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (cont(s, at + 1, lo, hi) && cont(s, at + 2) && cont(s, at + 3)) {
      return {((b0 & 0x07U) << 18) | (byte(1) << 12) | (byte(2) << 6) | byte(3), 4, true};
    }
  }
  return {b0, 1, false};
}

std::size_t count(std::string_view s) noexcept {
  std::size_t n = 0;
  for (std::size_t at = 0; at < s.size(); at += decode(s, at).len) ++n;
  return n;
}

std::size_t offset_of(std::string_view s, std::size_t k) noexcept {
  std::size_t at = 0;
  for (; at < s.size() && k > 0; --k) at += decode(s, at).len;
  return at;
}

void append(std::string& out, char32_t c) {
  const auto put = [&](char32_t v) { out.push_back(static_cast<char>(v)); };
  if (c < 0x80) {
    put(c);
  } else if (c < 0x800) {
    put(0xC0 | (c >> 6));
    put(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    put(0xE0 | (c >> 12));
    put(0x80 | ((c >> 6) & 0x3F));
    put(0x80 | (c & 0x3F));
  } else {
    put(0xF0 | (c >> 18));
    put(0x80 | ((c >> 12) & 0x3F));
    put(0x80 | ((c >> 6) & 0x3F));
    put(0x80 | (c & 0x3F));
  }
}

// The tables follow UnicodeData.txt's simple mappings; utf8_test.cpp checks every letter.
char32_t to_upper(char32_t c) noexcept {
  if (c < 0x80) return in(c, 'a', 'z') ? c - 32 : c;
  if (c == 0xB5) return 0x39C;  // micro sign -> Greek capital mu
  if (in(c, 0xE0, 0xFE) && c != 0xF7) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c == 0x131) return 'I';  // dotless i
  if (c == 0x17F) return 'S';  // long s
  if (pair_lower(c, 0x100, 0x12F) || pair_lower(c, 0x132, 0x137) || pair_lower(c, 0x139, 0x148) ||
      pair_lower(c, 0x14A, 0x177) || pair_lower(c, 0x179, 0x17E)) {
    return c - 1;
  }
  if (c == 0x3AC) return 0x386;
  if (in(c, 0x3AD, 0x3AF)) return c - 37;
  if (c == 0x3C2) return 0x3A3;  // final sigma
  if (in(c, 0x3B1, 0x3CB)) return c - 32;
  if (c == 0x3CC) return 0x38C;
  if (in(c, 0x3CD, 0x3CE)) return c - 63;
  if (in(c, 0x430, 0x44F)) return c - 32;
  if (in(c, 0x450, 0x45F)) return c - 80;
  if (c == 0x4CF) return 0x4C0;
  if (pair_lower(c, 0x460, 0x481) || pair_lower(c, 0x48A, 0x4BF) || pair_lower(c, 0x4C1, 0x4CE) ||
      pair_lower(c, 0x4D0, 0x52F)) {
    return c - 1;
  }
  return c;
}

char32_t to_lower(char32_t c) noexcept {
  if (c < 0x80) return in(c, 'A', 'Z') ? c + 32 : c;
  if (in(c, 0xC0, 0xDE) && c != 0xD7) return c + 32;
  if (c == 0x178) return 0xFF;
  if (c == 0x130) return 'i';  // capital I with dot above
  if (pair_upper(c, 0x100, 0x12F) || pair_upper(c, 0x132, 0x137) || pair_upper(c, 0x139, 0x148) ||
      pair_upper(c, 0x14A, 0x177) || pair_upper(c, 0x179, 0x17E)) {
    return c + 1;
  }
  if (c == 0x386) return 0x3AC;
  if (in(c, 0x388, 0x38A)) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (in(c, 0x38E, 0x38F)) return c + 63;
  if (in(c, 0x391, 0x3AB) && c != 0x3A2) return c + 32;
  if (in(c, 0x400, 0x40F)) return c + 80;
  if (in(c, 0x410, 0x42F)) return c + 32;
  if (c == 0x4C0) return 0x4CF;
  if (pair_upper(c, 0x460, 0x481) || pair_upper(c, 0x48A, 0x4BF) || pair_upper(c, 0x4C1, 0x4CE) ||
      pair_upper(c, 0x4D0, 0x52F)) {
    return c + 1;
  }
  return c;
}

std::optional<std::string> change_case(std::string_view s, bool upper) {
  std::optional<std::string> out;
  for (std::size_t at = 0; at < s.size();) {
    const Char ch = decode(s, at);
    const char32_t mapped = !ch.valid ? ch.code : (upper ? to_upper(ch.code) : to_lower(ch.code));
    if (mapped != ch.code && !out) out.emplace(s.substr(0, at));
    if (out) {
      if (mapped == ch.code) {
        out->append(s.substr(at, ch.len));  // also an invalid byte, unchanged
      } else {
        append(*out, mapped);
      }
    }
    at += ch.len;
  }
  return out;
}

}  // namespace sluice::expr::utf8
