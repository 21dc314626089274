#include "expr/lexer.hpp"

#include <charconv>
#include <initializer_list>
#include <optional>
#include <system_error>

namespace sluice::expr::detail {
namespace {

// Messages are built with append(): GCC 12 at -O3 reports a false -Wrestrict for
// `"literal" + std::string` (GCC bug 105651).
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (const std::string_view p : parts) s.append(p);
  return s;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_ident_start(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(char c) noexcept { return is_ident_start(c) || is_digit(c); }

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Lexer {
 public:
  Lexer(std::string_view s, std::size_t offset) : s_(s), offset_(offset) {}

  Result<std::vector<Token>, ParseError> run() {
    std::vector<Token> out;
    while (true) {
      while (pos_ < s_.size() &&
             (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
        ++pos_;
      }
      Token t;
      t.column = column(pos_);
      if (pos_ >= s_.size()) {
        out.push_back(std::move(t));
        return out;
      }
      const std::size_t start = pos_;
      const char c = s_[pos_];
      if (is_digit(c)) {
        if (auto err = number(t)) return unexpected(std::move(*err));
      } else if (is_ident_start(c)) {
        while (pos_ < s_.size() && is_ident_char(s_[pos_])) ++pos_;
        t.kind = Tok::ident;
      } else if (c == '"' || c == '\'') {
        if (auto err = string(t)) return unexpected(std::move(*err));
      } else if (auto err = punct(t)) {
        return unexpected(std::move(*err));
      }
      t.text = s_.substr(start, pos_ - start);
      out.push_back(std::move(t));
    }
  }

 private:
  using MaybeError = std::optional<ParseError>;

  [[nodiscard]] std::size_t column(std::size_t pos) const noexcept { return offset_ + pos + 1; }
  [[nodiscard]] char at(std::size_t pos) const noexcept { return pos < s_.size() ? s_[pos] : '\0'; }
  ParseError error(std::size_t pos, std::string msg) const {
    return ParseError{column(pos), std::move(msg)};
  }

  MaybeError number(Token& t) {
    const std::size_t start = pos_;
    bool is_float = false;
    while (is_digit(at(pos_))) ++pos_;
    if (at(pos_) == '.' && is_digit(at(pos_ + 1))) {
      is_float = true;
      ++pos_;
      while (is_digit(at(pos_))) ++pos_;
    }
    if (at(pos_) == 'e' || at(pos_) == 'E') {
      std::size_t p = pos_ + 1;
      if (at(p) == '+' || at(p) == '-') ++p;
      if (is_digit(at(p))) {
        is_float = true;
        pos_ = p;
        while (is_digit(at(pos_))) ++pos_;
      }
    }
    if (is_ident_char(at(pos_))) {
      return error(pos_, cat({"unexpected '", std::string_view(&s_[pos_], 1), "' in number"}));
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + pos_;
    if (is_float) {
      t.kind = Tok::floating;
      const auto r = std::from_chars(first, last, t.float_value);
      if (r.ec != std::errc()) return error(start, "number out of range");
    } else {
      t.kind = Tok::integer;
      const auto r = std::from_chars(first, last, t.int_value);
      if (r.ec != std::errc()) return error(start, "integer literal out of range");
    }
    return std::nullopt;
  }

  MaybeError string(Token& t) {
    const std::size_t start = pos_;
    const char quote = s_[pos_++];
    t.kind = Tok::string;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == quote) {
        ++pos_;
        return std::nullopt;
      }
      if (c != '\\') {
        t.str_value.push_back(c);
        ++pos_;
        continue;
      }
      const std::size_t esc = pos_;
      ++pos_;
      if (pos_ >= s_.size()) break;
      switch (s_[pos_]) {
        case '"':
        case '\'':
        case '\\':
        case '/':
          t.str_value.push_back(s_[pos_]);
          break;
        case 'n':
          t.str_value.push_back('\n');
          break;
        case 't':
          t.str_value.push_back('\t');
          break;
        case 'r':
          t.str_value.push_back('\r');
          break;
        case '0':
          t.str_value.push_back('\0');
          break;
        case 'u': {
          std::uint32_t cp = 0;
          for (int k = 1; k <= 4; ++k) {
            const int h = hex_value(at(pos_ + static_cast<std::size_t>(k)));
            if (h < 0) return error(esc, "bad escape '\\u': expected 4 hex digits");
            cp = cp * 16 + static_cast<std::uint32_t>(h);
          }
          append_utf8(cp, t.str_value);
          pos_ += 4;
          break;
        }
        default:
          return error(esc,
                       cat({"unknown escape '\\", std::string_view(&s_[pos_], 1), "' in string"}));
      }
      ++pos_;
    }
    return error(start, "unterminated string");
  }

  MaybeError punct(Token& t) {
    const char c = s_[pos_];
    const char n = at(pos_ + 1);
    auto one = [&](Tok k) {
      t.kind = k;
      pos_ += 1;
      return std::nullopt;
    };
    auto two = [&](Tok k) {
      t.kind = k;
      pos_ += 2;
      return std::nullopt;
    };
    switch (c) {
      case '.':
        return one(Tok::dot);
      case ',':
        return one(Tok::comma);
      case '(':
        return one(Tok::lparen);
      case ')':
        return one(Tok::rparen);
      case '[':
        return one(Tok::lbracket);
      case ']':
        return one(Tok::rbracket);
      case '+':
        return one(Tok::plus);
      case '-':
        return one(Tok::minus);
      case '*':
        return one(Tok::star);
      case '/':
        return one(Tok::slash);
      case '%':
        return one(Tok::percent);
      case '?':
        return one(Tok::question);
      case ':':
        return one(Tok::colon);
      case '|':
        if (n == '|') return two(Tok::oror);
        return error(pos_, "unexpected '|' (did you mean '||'?)");
      case '&':
        if (n == '&') return two(Tok::andand);
        return error(pos_, "unexpected '&' (did you mean '&&'?)");
      case '=':
        if (n == '=') return two(Tok::eq);
        return error(pos_, "unexpected '=' (did you mean '=='?)");
      case '!':
        if (n == '=') return two(Tok::ne);
        return one(Tok::bang);
      case '<':
        if (n == '=') return two(Tok::le);
        return one(Tok::lt);
      case '>':
        if (n == '=') return two(Tok::ge);
        return one(Tok::gt);
      default:
        break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7F) return error(pos_, "unexpected character");
    return error(pos_, cat({"unexpected character '", std::string_view(&s_[pos_], 1), "'"}));
  }

  std::string_view s_;
  std::size_t offset_;
  std::size_t pos_{0};
};

}  // namespace

Result<std::vector<Token>, ParseError> tokenize(std::string_view source,
                                                std::size_t column_offset) {
  return Lexer(source, column_offset).run();
}

std::string describe(const Token& t) {
  if (t.kind == Tok::end) return "end of input";
  return cat({"'", t.text, "'"});
}

}  // namespace sluice::expr::detail
