// What every step of loading a pipeline file shares: the file, the
// diagnostics so far and the TOML nodes a --set made, with the ways to point
// at a node (a key, a value, a column inside a string). Each step takes it and
// records its problems here, then goes on, so that one run reports every
// problem of the file.
#pragma once

#include <toml++/toml.h>

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/dsl/diagnostic.hpp"

namespace sluice::dsl::detail {

std::string quote(std::string_view s);
std::string join(const std::vector<std::string>& items, std::string_view sep = ", ");
/// "0.5", "1000000" (whole numbers in full), "nan".
std::string number(double x);
/// "a string", "an integer"...: what a TOML value is, for messages.
std::string_view type_name(const toml::node& n);
/// "did you mean 'x'?", or empty.
std::string suggest(std::string_view word, const std::vector<std::string>& candidates);

struct LoadContext {
  std::string path;
  std::string text;
  std::vector<Diagnostic> diags;
  std::map<const toml::node*, std::string> origin;  ///< nodes made by --set

  [[nodiscard]] Span span_of(const toml::node& n) const;
  /// The key's position; a value a --set replaced is the override's.
  [[nodiscard]] Span span_of(const toml::key& k, const toml::node& value) const;
  /// The file position of (1-based) byte `column` of a string value. Past
  /// the end ("found end of input") means just after its last non-blank
  /// character, not after the line break before the closing quotes.
  [[nodiscard]] Span inside_string(const toml::node& n, std::size_t column) const;
  void error(std::string code, Span span, std::string message, std::string hint = {});
  void warning(std::string code, Span span, std::string message, std::string hint = {});
};

}  // namespace sluice::dsl::detail
