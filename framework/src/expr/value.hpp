// Value: what an expression evaluates to. A small, trivially copyable type whose strings
// and lists are views into the message, the compiled tree or the evaluation's arena, so
// that evaluating fields, comparisons and integer arithmetic does not allocate.
//
//   Value v = Value::integer(7);
//   TextBuf buf;
//   std::string_view text = text_of(v, buf);  // "7"
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace sluice::expr {

enum class Kind : std::uint8_t {
  null,
  boolean,
  integer,
  floating,
  string,
  list,
  json,  ///< a JSON object or array of the payload, kept as its raw text
};

struct Value {
  Kind kind{Kind::null};
  bool b{false};
  std::int64_t i{0};
  double f{0.0};
  std::string_view s;           ///< string, or the raw text of a json value
  std::span<const Value> list;  ///< list elements

  static Value null() noexcept { return {}; }
  static Value boolean(bool v) noexcept {
    Value r;
    r.kind = Kind::boolean;
    r.b = v;
    return r;
  }
  static Value integer(std::int64_t v) noexcept {
    Value r;
    r.kind = Kind::integer;
    r.i = v;
    return r;
  }
  static Value floating(double v) noexcept {
    Value r;
    r.kind = Kind::floating;
    r.f = v;
    return r;
  }
  /// `v` must outlive the evaluation (message, tree or arena storage).
  static Value string(std::string_view v) noexcept {
    Value r;
    r.kind = Kind::string;
    r.s = v;
    return r;
  }
  static Value make_list(std::span<const Value> v) noexcept {
    Value r;
    r.kind = Kind::list;
    r.list = v;
    return r;
  }
  static Value json(std::string_view raw) noexcept {
    Value r;
    r.kind = Kind::json;
    r.s = raw;
    return r;
  }

  [[nodiscard]] bool is_null() const noexcept { return kind == Kind::null; }
  [[nodiscard]] bool is_number() const noexcept {
    return kind == Kind::integer || kind == Kind::floating;
  }
  [[nodiscard]] double as_double() const noexcept {
    return kind == Kind::integer ? static_cast<double>(i) : f;
  }
};

/// Storage for the textual form of a scalar; lists fall back to `heap`.
struct TextBuf {
  std::array<char, 32> small{};
  std::string heap;
};

/// Truthiness: false, null, 0, 0.0, NaN, "", [] and {} are false.
[[nodiscard]] bool truthy(const Value& v) noexcept;

/// The textual form (what a template inserts): null is "", booleans true/false, floats
/// in shortest round-trip form, lists as JSON, json values as their raw text.
[[nodiscard]] std::string_view text_of(const Value& v, TextBuf& buf);

/// Appends the textual form of `v` to `out`.
void append_text(const Value& v, std::string& out);

/// Appends `v` as a JSON value (strings quoted and escaped, null as `null`).
void append_json(const Value& v, std::string& out);

/// A string that reads entirely as a decimal number, once ASCII whitespace around it is
/// trimmed (`" 42"`, `"-1.5"`, `"1e3"`, `".5"`; not `""`, `"0x10"`, `"inf"`, `"5 apples"`):
/// an integer when it has no fraction or exponent and fits in int64, else a float.
[[nodiscard]] std::optional<Value> read_number(std::string_view s) noexcept;

/// A number as itself, a string that reads as a number (read_number) as that number;
/// nullopt for anything else.
[[nodiscard]] std::optional<Value> numeric_operand(const Value& v) noexcept;

/// A number and a string that reads as one, in either order: both as numbers (awk's rule);
/// nullopt when that is not the case.
[[nodiscard]] std::optional<std::pair<Value, Value>> mixed_as_numbers(const Value& a,
                                                                      const Value& b) noexcept;

/// `==`: null equals only null; two numbers, or a number and a string that reads as one,
/// compare numerically; a number never equals anything else; other values textually.
[[nodiscard]] bool values_equal(const Value& a, const Value& b);

/// Ordering for `< <= > >=`, with values_equal's pairing: nullopt when either side is
/// null, when a number meets something that is neither a number nor reads as one, or when
/// a NaN is involved.
[[nodiscard]] std::optional<int> compare_values(const Value& a, const Value& b);

/// int(x): numbers truncate (saturating), numeric strings parse, booleans are 0/1.
[[nodiscard]] std::optional<std::int64_t> to_int(const Value& v);
/// float(x): numbers convert, numeric strings parse, booleans are 0/1.
[[nodiscard]] std::optional<double> to_float(const Value& v);

}  // namespace sluice::expr
