#include "load_context.hpp"

#include <cmath>
#include <cstdio>

#include "position_in_string.hpp"
#include "sluice/dsl/did_you_mean.hpp"

namespace sluice::dsl::detail {

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

std::string number(double x) {
  char buf[64];
  // Whole numbers in full ("1000000", not "1e+06"): bounds are read as integers.
  std::snprintf(buf, sizeof buf, std::abs(x) < 1e15 && x == std::floor(x) ? "%.0f" : "%g", x);
  return buf;
}

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date/time";
  }
}

std::string suggest(std::string_view word, const std::vector<std::string>& candidates) {
  auto s = did_you_mean(word, candidates);
  return s ? "did you mean " + quote(*s) + "?" : std::string{};
}

Span LoadContext::span_of(const toml::node& n) const {
  const auto& src = n.source();
  if (auto it = origin.find(&n); it != origin.end()) return Span{it->second, 0, 0};
  if (src.begin.line == 0) return Span{path, 0, 0};
  if (src.path && *src.path != path) return Span{*src.path, 0, 0};  // a --set value
  return Span{path, src.begin.line, src.begin.column};
}

Span LoadContext::span_of(const toml::key& k, const toml::node& value) const {
  if (k.source().begin.line == 0 || (k.source().path && *k.source().path != path)) {
    return span_of(value);
  }
  if (Span v = span_of(value); v.line == 0 && v.file != path) return v;
  return Span{path, k.source().begin.line, k.source().begin.column};
}

Span LoadContext::inside_string(const toml::node& n, std::size_t column) const {
  Span s = span_of(n);
  if (s.line == 0) return s;
  if (const auto* str = n.as_string()) {
    const std::string& v = str->get();
    const std::size_t end = v.find_last_not_of(" \t\r\n");
    const std::size_t used = end == std::string::npos ? 0 : end + 1;
    if (column > used + 1) column = used + 1;
  }
  if (auto at = position_in_string(text, {s.line, s.column}, column)) {
    s.line = at->line;
    s.column = at->column;
  }
  return s;
}

void LoadContext::error(std::string code, Span span, std::string message, std::string hint) {
  diags.push_back(
      {Severity::error, std::move(code), std::move(span), std::move(message), std::move(hint)});
}

void LoadContext::warning(std::string code, Span span, std::string message, std::string hint) {
  diags.push_back(
      {Severity::warning, std::move(code), std::move(span), std::move(message), std::move(hint)});
}

}  // namespace sluice::dsl::detail
