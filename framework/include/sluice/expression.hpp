// Expressions and templates for plugin stages: the language of `filter`,
// `route` and `map` (docs/expressions.md), compiled once and evaluated per message,
// with the same functions, JSON field access and RE2 regexes as the built-ins.
//
//   explicit Tag(const sluice::Options& o)
//       : when_(sluice::Expression::compile(o.get_string("when"))),
//         label_(sluice::Template::compile(o.get_string("label"))) {}
//
//   void process(sluice::Message&& m, sluice::Emitter& out, sluice::Context&) override {
//     if (when_.test(m)) m.attrs.set("label", label_.render(m));
//     out.emit(std::move(m));
//   }
//
// Declare such options with OptionType::expression / OptionType::template_:
// the file is checked before the factory runs, so a syntax error is reported
// at its line and column in the TOML. A compiled value is immutable: share it
// between threads freely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/message.hpp"

namespace sluice {
inline namespace v1 {

/// Why a source does not compile, at its 1-based column.
struct SyntaxProblem {
  std::size_t column{0};
  std::string message;
};

class Expression {
 public:
  /// Throws std::invalid_argument ("column N: what is wrong") on an error.
  static Expression compile(std::string_view source);
  /// The problem of a source that does not compile; nothing when it does.
  static std::optional<SyntaxProblem> check(std::string_view source);
  /// What `sluice check` warns about in a source that compiles: a number compared with a
  /// string literal that does not read as one (`priority == "high"`), which never holds.
  static std::vector<SyntaxProblem> warnings(std::string_view source);

  /// Truthiness of the value: false, null, 0, "" and [] are false.
  [[nodiscard]] bool test(const Message& m) const;
  /// The value as text, appended to `out` (what a template inserts).
  void render(const Message& m, std::string& out) const;
  [[nodiscard]] std::string render(const Message& m) const;
  /// The value as an integer (numbers truncate, numeric strings parse, else 0).
  [[nodiscard]] std::int64_t eval_int(const Message& m) const;
  [[nodiscard]] const std::string& source() const noexcept;

 private:
  struct Impl;
  explicit Expression(std::shared_ptr<const Impl> impl) noexcept : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

class Template {
 public:
  /// `{expr}` inserts a value, `{{` and `}}` are literal braces. Throws
  /// std::invalid_argument ("column N: what is wrong") on an error.
  static Template compile(std::string_view source);
  /// The problem of a source that does not compile; nothing when it does.
  static std::optional<SyntaxProblem> check(std::string_view source);

  void render(const Message& m, std::string& out) const;  ///< appends to out
  [[nodiscard]] std::string render(const Message& m) const;
  [[nodiscard]] const std::string& source() const noexcept;

 private:
  struct Impl;
  explicit Template(std::shared_ptr<const Impl> impl) noexcept : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace v1
}  // namespace sluice
