#include "nesting_scan.hpp"

#include <string>
#include <utility>
#include <vector>

namespace sluice::dsl::detail {
namespace {

/// One pass over a TOML text that knows just enough of the grammar to tell
/// keys from values and to skip strings and comments. Invalid TOML is read
/// somehow and never loops: toml++ reports it afterwards.
class Scanner {
 public:
  Scanner(std::string_view text, std::size_t limit) : text_(text), limit_(limit) {}

  std::optional<TextPosition> run() {
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (c == '\n') {
        if (frames_.empty()) start_line();
        step();
      } else if (c == '#') {
        while (i_ < text_.size() && text_[i_] != '\n') step();
      } else if (c == '"' || c == '\'') {
        if (key_ && expect_part_ && enter()) return here();
        expect_part_ = false;
        skip_string(c);
      } else if (c == ' ' || c == '\t' || c == '\r') {
        step();
      } else if (!frames_.empty() && (c == ']' || c == '}' || c == ',')) {
        close_or_next(c);
        step();
      } else if (key_) {
        if (key_char(c)) return here();
        step();
      } else {
        if ((c == '[' || c == '{') && open(c)) return here();
        step();
      }
    }
    return std::nullopt;
  }

 private:
  struct Frame {
    char kind;          // '[' array, '{' inline table
    std::size_t depth;  // the level the container sits at
  };

  TextPosition here() const { return {line_, column_}; }

  /// Past text_[i_], keeping the line and the column in characters.
  void step() {
    const char c = text_[i_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column_;
    }
  }

  bool enter() { return ++depth_ > limit_; }

  void start_line() {
    key_ = true;
    expect_part_ = true;
    in_header_ = false;
    depth_ = header_depth_;
  }

  /// A character of a key: a part starts, a dot ends one, `=` ends the key;
  /// at the top level `[` opens a table header and `]` closes it.
  bool key_char(char c) {
    if (c == '.') {
      expect_part_ = true;
    } else if (c == '=') {
      key_ = false;
    } else if (c == '[' && frames_.empty() && !in_header_) {
      in_header_ = true;
      expect_part_ = true;
      depth_ = 0;
      if (i_ + 1 < text_.size() && text_[i_ + 1] == '[') step();  // [[array of tables]]
    } else if (c == ']' && in_header_) {
      in_header_ = false;
      header_depth_ = depth_;
      if (i_ + 1 < text_.size() && text_[i_ + 1] == ']') step();
    } else if (expect_part_) {
      expect_part_ = false;
      return enter();
    }
    return false;
  }

  bool open(char c) {
    frames_.push_back({c, depth_});
    if (c == '{') {
      key_ = true;
      expect_part_ = true;
    }
    return enter();
  }

  void close_or_next(char c) {
    const Frame f = frames_.back();
    if (c == ',') {
      depth_ = f.depth + 1;
      if (f.kind == '{') {
        key_ = true;
        expect_part_ = true;
      }
      return;
    }
    depth_ = f.depth;
    frames_.pop_back();
    key_ = false;  // after the container: its key's value ends
  }

  /// From the opening quote `q` past the closing one: '...', "...", '''...''', """...""".
  void skip_string(char q) {
    const bool basic = q == '"';
    const bool multi = text_.substr(i_, 3) == std::string_view(basic ? "\"\"\"" : "'''");
    for (int n = multi ? 3 : 1; n > 0; --n) step();
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (c == '\n' && !multi) return;  // unclosed: toml++ says so
      if (basic && c == '\\' && i_ + 1 < text_.size()) {
        step();
        step();
        continue;
      }
      if (c == q && (!multi || text_.substr(i_, 3) == std::string_view(basic ? "\"\"\"" : "'''"))) {
        for (int n = multi ? 3 : 1; n > 0; --n) step();
        // """a"""" ends with a quote of its own: up to two more belong to it.
        for (int n = 0; multi && n < 2 && i_ < text_.size() && text_[i_] == q; ++n) step();
        return;
      }
      step();
    }
  }

  std::string_view text_;
  std::size_t limit_;
  std::size_t i_{0};
  std::size_t line_{1}, column_{1};
  std::vector<Frame> frames_;  // at most limit_ deep: run() stops past it
  bool key_{true};             // reading a key (else a value)
  bool expect_part_{true};     // the next key character starts a part
  bool in_header_{false};
  std::size_t depth_{0};         // the level of what is read now
  std::size_t header_depth_{0};  // the parts of the last [table] header
};

}  // namespace

std::optional<TextPosition> too_deep(std::string_view text, std::size_t limit) {
  return Scanner(text, limit).run();
}

Diagnostic too_deep_error(Span at) {
  return {Severity::error, "too-deep", std::move(at),
          "the file nests more than " + std::to_string(kMaxNesting) +
              " levels deep here: the rest is not read",
          "each part of a dotted key (a.b.c) or a [table.header] is a level, and so is each "
          "array and inline table { ... }"};
}

}  // namespace sluice::dsl::detail
