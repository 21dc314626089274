#include "expr/json_scan.hpp"

namespace sluice::expr::detail {
namespace {

bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) noexcept : s_(s) {}

  [[nodiscard]] std::size_t pos() const noexcept { return pos_; }
  [[nodiscard]] bool at_end() const noexcept { return pos_ >= s_.size(); }
  [[nodiscard]] char peek() const noexcept { return at_end() ? '\0' : s_[pos_]; }

  void skip_ws() noexcept {
    while (!at_end() && is_ws(s_[pos_])) ++pos_;
  }
  bool eat(char c) noexcept {
    skip_ws();
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  /// Skips a string starting at the opening quote; `body` receives the text between quotes.
  bool skip_string(std::string_view* body = nullptr) noexcept {
    if (peek() != '"') return false;
    const std::size_t start = ++pos_;
    while (!at_end()) {
      const char c = s_[pos_];
      if (c == '"') {
        if (body != nullptr) *body = s_.substr(start, pos_ - start);
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c == '\\') {
        ++pos_;
        if (at_end()) return false;
        switch (s_[pos_]) {
          case '"':
          case '\\':
          case '/':
          case 'b':
          case 'f':
          case 'n':
          case 'r':
          case 't':
            break;
          case 'u':
            for (int k = 0; k < 4; ++k) {
              ++pos_;
              if (at_end() || hex_value(s_[pos_]) < 0) return false;
            }
            break;
          default:
            return false;
        }
      }
      ++pos_;
    }
    return false;
  }

  bool skip_number() noexcept {
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (is_digit(peek())) {
      while (is_digit(peek())) ++pos_;
    } else {
      return false;
    }
    if (peek() == '.') {
      ++pos_;
      if (!is_digit(peek())) return false;
      while (is_digit(peek())) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!is_digit(peek())) return false;
      while (is_digit(peek())) ++pos_;
    }
    return true;
  }

  bool skip_literal(std::string_view word) noexcept {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  /// Skips optional whitespace and then one value; false when the value is malformed.
  bool skip_value(int depth) noexcept {
    skip_ws();
    switch (peek()) {
      case '"':
        return skip_string();
      case '{':
        return skip_container('}', depth);
      case '[':
        return skip_container(']', depth);
      case 't':
        return skip_literal("true");
      case 'f':
        return skip_literal("false");
      case 'n':
        return skip_literal("null");
      default:
        return skip_number();
    }
  }

 private:
  bool skip_container(char close, int depth) noexcept {
    if (depth >= kMaxJsonDepth) return false;
    ++pos_;  // the opening bracket
    skip_ws();
    if (peek() == close) {
      ++pos_;
      return true;
    }
    while (true) {
      if (close == '}') {
        skip_ws();
        if (!skip_string() || !eat(':')) return false;
      }
      if (!skip_value(depth + 1)) return false;
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == close) {
        ++pos_;
        return true;
      }
      return false;
    }
  }

  std::string_view s_;
  std::size_t pos_{0};
};

void append_utf8(std::uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool read_hex4(std::string_view body, std::size_t at, std::uint32_t& cp) noexcept {
  if (at + 4 > body.size()) return false;
  cp = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    const int h = hex_value(body[at + k]);
    if (h < 0) return false;
    cp = cp * 16 + static_cast<std::uint32_t>(h);
  }
  return true;
}

bool key_matches(std::string_view body, std::string_view key) {
  if (body.find('\\') == std::string_view::npos) return body == key;
  std::string decoded;
  return json_unescape(body, decoded) && decoded == key;
}

}  // namespace

bool json_valid(std::string_view text) noexcept {
  Scanner sc(text);
  if (!sc.skip_value(0)) return false;
  sc.skip_ws();
  return sc.at_end();
}

std::optional<std::string_view> json_member(std::string_view raw, std::string_view key) {
  Scanner sc(raw);
  if (!sc.eat('{')) return std::nullopt;
  sc.skip_ws();
  if (sc.peek() == '}') return std::nullopt;
  while (true) {
    sc.skip_ws();
    std::string_view name;
    if (!sc.skip_string(&name) || !sc.eat(':')) return std::nullopt;
    sc.skip_ws();
    const std::size_t start = sc.pos();
    if (!sc.skip_value(1)) return std::nullopt;
    if (key_matches(name, key)) return raw.substr(start, sc.pos() - start);
    if (!sc.eat(',')) return std::nullopt;
  }
}

std::optional<std::string_view> json_element(std::string_view raw, std::int64_t index) noexcept {
  if (index < 0) index += static_cast<std::int64_t>(json_size(raw));
  if (index < 0) return std::nullopt;
  Scanner sc(raw);
  if (!sc.eat('[')) return std::nullopt;
  sc.skip_ws();
  if (sc.peek() == ']') return std::nullopt;
  for (std::int64_t k = 0;; ++k) {
    sc.skip_ws();
    const std::size_t start = sc.pos();
    if (!sc.skip_value(1)) return std::nullopt;
    if (k == index) return raw.substr(start, sc.pos() - start);
    if (!sc.eat(',')) return std::nullopt;
  }
}

std::size_t json_size(std::string_view raw) noexcept {
  Scanner sc(raw);
  sc.skip_ws();
  const char open = sc.peek();
  if (open != '{' && open != '[') return 0;
  const char close = open == '{' ? '}' : ']';
  sc.eat(open);
  sc.skip_ws();
  if (sc.peek() == close) return 0;
  std::size_t n = 0;
  while (true) {
    if (open == '{') {
      sc.skip_ws();
      if (!sc.skip_string() || !sc.eat(':')) return n;
    }
    if (!sc.skip_value(1)) return n;
    ++n;
    if (!sc.eat(',')) return n;
  }
}

bool json_unescape(std::string_view body, std::string& out) {
  for (std::size_t k = 0; k < body.size(); ++k) {
    const char c = body[k];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++k >= body.size()) return false;
    switch (body[k]) {
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '/':
        out.push_back('/');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        std::uint32_t cp = 0;
        if (!read_hex4(body, k + 1, cp)) return false;
        k += 4;
        if (cp >= 0xD800 && cp < 0xDC00) {  // a high surrogate wants its low half
          std::uint32_t lo = 0;
          if (k + 2 < body.size() && body[k + 1] == '\\' && body[k + 2] == 'u' &&
              read_hex4(body, k + 3, lo) && lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            k += 6;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          cp = 0xFFFD;
        }
        append_utf8(cp, out);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

}  // namespace sluice::expr::detail
