// The expression language (docs/expressions.md), compiled once at load and
// evaluated per message. Templates ("user-{seq % 10}") share it.
//
//   auto e = sluice::expr::Expression::compile(R"(.status >= 500 && key != "health")");
//   if (!e) report(e.error().column, e.error().message);
//   bool keep = e->test(message);
//
//   auto t = sluice::expr::Template::compile("event-{seq}");
//   std::string payload = t->render(message);
//
// Thread-safety: a compiled Expression / Template is immutable; evaluate it
// from any number of threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/message.hpp"
#include "sluice/result.hpp"

namespace sluice::expr {

/// A syntax or load-time error, with the 1-based column inside the source string.
struct ParseError {
  std::size_t column{1};
  std::string message;
};

class Node;  // the compiled tree (expression.cpp)

class Expression {
 public:
  static Result<Expression, ParseError> compile(std::string_view source);

  /// Truthiness of the value: false, null, 0, "" and [] are false.
  [[nodiscard]] bool test(const Message& m) const;
  /// The value rendered as text (what a template inserts).
  void render(const Message& m, std::string& out) const;
  /// The value as an integer (numbers truncate, numeric strings parse, else 0).
  [[nodiscard]] std::int64_t eval_int(const Message& m) const;
  [[nodiscard]] const std::string& source() const noexcept { return source_; }

 private:
  std::shared_ptr<const Node> root_;
  std::string source_;
};

class Template {
 public:
  /// `{expr}` inserts a value, `{{` and `}}` are literal braces.
  static Result<Template, ParseError> compile(std::string_view source);

  void render(const Message& m, std::string& out) const;  ///< appends to out
  [[nodiscard]] std::string render(const Message& m) const {
    std::string s;
    render(m, s);
    return s;
  }
  /// True when the template has no `{expr}` part (render is a copy).
  [[nodiscard]] bool is_constant() const noexcept;
  [[nodiscard]] const std::string& source() const noexcept { return source_; }

 private:
  struct Part;
  std::shared_ptr<const std::vector<Part>> parts_;
  std::string source_;
};

}  // namespace sluice::expr
