#include "syntax_error.hpp"

#include <cctype>
#include <string>

namespace sluice::dsl::detail {
namespace {

constexpr std::string_view kPrefix = "Error while parsing ";

/// The byte offset of (1-based) character column `column` in `line`.
std::size_t byte_offset(std::string_view line, std::size_t column) {
  std::size_t i = 0;
  for (std::size_t c = 1; c < column && i < line.size(); ++c) {
    ++i;
    while (i < line.size() && (static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

bool bare_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         (static_cast<unsigned char>(c) & 0x80) != 0;
}

std::string article(std::string_view what) {
  return std::string(std::string_view("aeiou").find(what.front()) != std::string_view::npos
                         ? "an "
                         : "a ") +
         std::string(what);
}

struct OpenString {
  char quote{0};  ///< 0: no string is open there
  bool multi_line{false};
};

/// The string open at byte `end` of `text`: strings and comments are skipped
/// from the start as TOML reads them (escapes in basic strings included).
OpenString open_string_at(std::string_view text, std::size_t end) {
  std::size_t i = 0;
  while (i < end && i < text.size()) {
    const char c = text[i];
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c != '"' && c != '\'') {
      ++i;
      continue;
    }
    const std::string triple(3, c);
    const bool multi = text.substr(i, 3) == triple;
    i += multi ? 3 : 1;
    bool closed = false;
    while (i < text.size() && i < end) {
      if (c == '"' && text[i] == '\\') {
        i += 2;
      } else if (multi ? text.substr(i, 3) == triple : text[i] == c) {
        i += multi ? 3 : 1;
        while (multi && i < text.size() && text[i] == c) ++i;  // """a"""" ends in a quote
        closed = true;
        break;
      } else if (!multi && text[i] == '\n') {
        break;  // unclosed on an earlier line: toml++ would have stopped there
      } else {
        ++i;
      }
    }
    if (!closed && i >= end) return {c, multi};
  }
  return {};
}

/// `"C:\dir\"`: the closing quote is there, escaped.
bool ends_with_escaped_quote(std::string_view line) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  if (line.empty() || line.back() != '"') return false;
  line.remove_suffix(1);
  std::size_t slashes = 0;
  while (!line.empty() && line.back() == '\\') {
    ++slashes;
    line.remove_suffix(1);
  }
  return slashes % 2 == 1;
}

}  // namespace

Diagnostic syntax_error(std::string_view description, const Span& at, std::string_view text) {
  std::size_t line_start = 0;
  for (std::size_t l = 1; l < at.line && line_start < text.size(); ++l) {
    const auto nl = text.find('\n', line_start);
    line_start = nl == std::string_view::npos ? text.size() : nl + 1;
  }
  std::string_view line = text.substr(line_start);
  line = line.substr(0, line.find('\n'));
  Diagnostic d;
  d.code = "syntax";
  d.span = at;
  // "Error while parsing WHAT: PROBLEM"
  std::string_view what, problem = description;
  if (description.substr(0, kPrefix.size()) == kPrefix) {
    const auto colon = description.find(": ", kPrefix.size());
    if (colon != std::string_view::npos) {
      what = description.substr(kPrefix.size(), colon - kPrefix.size());
      problem = description.substr(colon + 2);
    }
  }
  const std::size_t offset = byte_offset(line, at.column);
  const std::string_view rest = offset < line.size() ? line.substr(offset) : std::string_view{};
  const bool at_line_end = rest.empty() || rest == "\r";
  const bool in_string = what.find("string") != std::string_view::npos;
  // The string still open where toml++ stopped, read from the start of the
  // file: its own quote, not one of another kind before it (counting triple
  // quotes took ''' inside "..." and an escaped \""" for a string's ends).
  const OpenString open = open_string_at(text, line_start + offset);
  const char quote = open.quote != 0                                  ? open.quote
                     : what.find("literal") != std::string_view::npos ? '\''
                                                                      : '"';
  const bool multi_line = open.multi_line;

  if (in_string && problem.find("control characters") != std::string_view::npos && at_line_end) {
    d.message = "missing closing quote: the string runs to the end of the line";
    if (quote == '"' && ends_with_escaped_quote(line.substr(0, offset))) {
      d.hint =
          "the \\ before the last \" escapes it: write \\\\ for a backslash, or use a literal "
          "string '...', where \\ is plain";
      return d;
    }
    d.hint = std::string("end it with ") + quote + " on this line; a string over several lines " +
             "is written between " + std::string(3, quote);
    return d;
  }
  if (in_string && problem.find("end-of-file") != std::string_view::npos) {
    d.message = "missing closing quote: the string runs to the end of the file";
    d.hint = "end it with " + std::string(multi_line ? 3 : 1, quote);
    return d;
  }
  if (problem.find("could not determine value type") != std::string_view::npos) {
    std::size_t n = 0;
    while (n < rest.size() && bare_word_char(rest[n])) ++n;
    const std::string_view word = rest.substr(0, n);
    if (!word.empty() && !std::isdigit(static_cast<unsigned char>(word.front())) &&
        word.front() != '-' && word.front() != '.') {
      d.message = "expected a value, found the bare word '" + std::string(word) + "'";
      d.hint = "strings need quotes: \"" + std::string(word) + "\"";
      return d;
    }
  }
  if (what == "boolean") {
    d.message = "expected a value: true and false are written in lower case";
    d.hint = "for a string, use quotes";
    return d;
  }
  std::string reworded(problem);
  constexpr std::string_view kSawNewline = "saw '\\n'";  // as toml++ escapes it
  if (const auto nl = reworded.find(kSawNewline); nl != std::string::npos) {
    reworded.replace(nl, kSawNewline.size(), "found the end of the line");
  }
  d.message = what.empty() ? reworded : "invalid TOML in " + article(what) + ": " + reworded;
  if (what == "array" && problem.find("end-of-file") != std::string_view::npos) {
    d.hint = "close the array with ]";
  } else if (what == "inline table") {
    d.hint = "an inline table { ... } is written on one line, without a trailing comma";
  } else if (what == "table header") {
    d.hint = "a table header is written [stages.NAME]";
  } else if (problem == "expected '=', saw ':'") {
    d.hint = "TOML puts '=' between a key and its value: key = value";
  } else if (problem.find("unknown escape sequence") != std::string_view::npos) {
    d.hint =
        "in \"...\" a \\ starts an escape: write \\\\ for a backslash, or use a literal "
        "string '...', where \\ is plain";
  } else if (problem.find("cannot redefine existing") != std::string_view::npos) {
    d.hint = "each key and table may be given once; --set changes a value without editing";
  } else if (problem.find("expected a comment or whitespace") != std::string_view::npos) {
    d.hint = "one key = value per line; a list is written [a, b]";
  }
  return d;
}

}  // namespace sluice::dsl::detail
