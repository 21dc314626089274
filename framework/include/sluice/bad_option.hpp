// BadOption: what a stage type's factory (a built-in's or a plugin's) throws
// when an option's value is wrong in a way its schema cannot express (an
// empty separator, a bad template inside a table). It names the option as a path into the value
// ("separator", "attrs.tenant", "routes.slow", "weights[1]") and, for an
// expression or template, the 1-based column inside that string, so that the
// DSL can point at the exact place in the file. The message names the option
// quoted, once, and reads on its own:
//
//   throw BadOption("separator", "'separator' must not be empty");
//   throw BadOption("routes.slow", "in expression 'routes.slow': " + e.message, e.column);
//
// what() adds the column for callers without a file (C++ graphs). Its
// destructor is out of line (errors.cpp), so a plugin's BadOption is the
// host's type and `sluice check` points at the option for plugins too.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "sluice/options.hpp"

namespace sluice {
inline namespace v1 {

class BadOption : public std::invalid_argument {
 public:
  BadOption(std::string option, std::string message, std::size_t column = 0, std::string hint = {})
      : std::invalid_argument(column == 0 ? message
                                          : message + " (column " + std::to_string(column) + ")"),
        option_(std::move(option)),
        message_(std::move(message)),
        hint_(std::move(hint)),
        column_(column) {}
  BadOption(const BadOption&) = default;
  BadOption& operator=(const BadOption&) = default;
  ~BadOption() override;

  /// "separator", "attrs.tenant", "weights[1]": where in the stage's options.
  [[nodiscard]] const std::string& option() const noexcept { return option_; }
  /// The message without the column.
  [[nodiscard]] const std::string& message() const noexcept { return message_; }
  /// What to do about it; empty: nothing to add.
  [[nodiscard]] const std::string& hint() const noexcept { return hint_; }
  /// 1-based column inside the option's string; 0: the whole value.
  [[nodiscard]] std::size_t column() const noexcept { return column_; }

 private:
  std::string option_;
  std::string message_;
  std::string hint_;
  std::size_t column_;
};

/// "a string", "an integer"...: for "must be X, not Y" messages, in the DSL's words.
inline std::string_view kind_name(OptionValue::Kind kind) noexcept {
  switch (kind) {
    case OptionValue::Kind::none:
      return "nothing";
    case OptionValue::Kind::string:
      return "a string";
    case OptionValue::Kind::integer:
      return "an integer";
    case OptionValue::Kind::floating:
      return "a float";
    case OptionValue::Kind::boolean:
      return "a boolean";
    case OptionValue::Kind::duration:
      return "a duration";
    case OptionValue::Kind::list:
      return "an array";
    case OptionValue::Kind::table:
      return "a table";
  }
  return "a value";
}

}  // namespace v1
}  // namespace sluice
