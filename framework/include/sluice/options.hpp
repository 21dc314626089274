// The typed option schema a stage type declares, and the checked values a
// factory reads. One schema drives validation, `sluice list` and the docs.
//
//   Schema schema{{
//       {"count", OptionType::integer, "messages to emit; 0 = endless", OptionValue::of(0), 0},
//       {"payload", OptionType::template_, "payload template", OptionValue::of("{seq}")},
//   }};
//   auto count = options.get_int("count");
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/clock.hpp"

namespace sluice {
inline namespace v1 {

enum class OptionType {
  string,
  integer,
  floating,
  boolean,
  duration,
  list,
  table,
  expression,
  template_
};

/// The TOML spelling of a type, for messages and `sluice list`.
std::string_view to_string(OptionType type) noexcept;

/// A checked option value. Plain struct (not a variant) because lists and
/// tables nest.
struct OptionValue {
  enum class Kind { none, string, integer, floating, boolean, duration, list, table };
  Kind kind{Kind::none};
  std::string str;
  std::int64_t i{0};  ///< integer, or nanoseconds for a duration
  double f{0};
  bool b{false};
  std::vector<OptionValue> list;
  std::vector<std::pair<std::string, OptionValue>> table;

  // Declared here and defaulted below the class: defined implicitly inside it,
  // they need std::pair<std::string, OptionValue> complete before OptionValue
  // is, which clang 14 with libstdc++ 12 rejects.
  OptionValue();
  ~OptionValue();
  OptionValue(const OptionValue&);
  OptionValue(OptionValue&&) noexcept;
  OptionValue& operator=(const OptionValue&);
  OptionValue& operator=(OptionValue&&) noexcept;

  static OptionValue of(std::string s) {
    OptionValue v;
    v.kind = Kind::string;
    v.str = std::move(s);
    return v;
  }
  static OptionValue of(const char* s) { return of(std::string(s)); }
  static OptionValue of(std::int64_t x) {
    OptionValue v;
    v.kind = Kind::integer;
    v.i = x;
    return v;
  }
  static OptionValue of(int x) { return of(static_cast<std::int64_t>(x)); }
  static OptionValue of(double x) {
    OptionValue v;
    v.kind = Kind::floating;
    v.f = x;
    return v;
  }
  static OptionValue of(bool x) {
    OptionValue v;
    v.kind = Kind::boolean;
    v.b = x;
    return v;
  }
  static OptionValue duration(Nanos ns) {
    OptionValue v;
    v.kind = Kind::duration;
    v.i = ns;
    return v;
  }
  [[nodiscard]] const OptionValue* find(std::string_view name) const noexcept {
    for (const auto& [k, v] : table) {
      if (k == name) return &v;
    }
    return nullptr;
  }
};

inline OptionValue::OptionValue() = default;
inline OptionValue::~OptionValue() = default;
inline OptionValue::OptionValue(const OptionValue&) = default;
inline OptionValue::OptionValue(OptionValue&&) noexcept = default;
inline OptionValue& OptionValue::operator=(const OptionValue&) = default;
inline OptionValue& OptionValue::operator=(OptionValue&&) noexcept = default;

/// One option of a stage type.
struct OptionSpec {
  std::string name{};
  OptionType type{OptionType::string};
  std::string doc{};
  std::optional<OptionValue> default_value{};  ///< none + !required: optional without default
  std::optional<double> min{};                 ///< inclusive, for numbers and durations (seconds)
  std::optional<double> max{};                 ///< see max_of(); NaN and inf never pass
  std::vector<std::string> choices{};          ///< allowed spellings of a string option
  bool required{false};
  /// A string option that names a shared object: the pipeline section it
  /// must be declared in ("limiters", "topics"...); empty: a plain string.
  std::string refers_to{};
};

/// The longest duration any option accepts unless its spec says less: 365
/// days. Longer is a mistake (a lost unit), and "forever" is spelt by leaving
/// the option out; the bound also keeps `now + duration` far from overflow.
inline constexpr double kMaxDurationSeconds = 365.0 * 24 * 3600;

/// The upper bound `spec` is checked against: its `max`, else for a duration
/// kMaxDurationSeconds, else none.
[[nodiscard]] inline std::optional<double> max_of(const OptionSpec& spec) noexcept {
  if (spec.max) return spec.max;
  if (spec.type == OptionType::duration) return kMaxDurationSeconds;
  return std::nullopt;
}

struct Schema {
  std::vector<OptionSpec> options;
  [[nodiscard]] const OptionSpec* find(std::string_view name) const noexcept {
    for (const auto& o : options) {
      if (o.name == name) return &o;
    }
    return nullptr;
  }
};

/// Raised by Options getters when a factory asks for something the schema
/// does not declare: a bug in the stage type, reported with its name.
class OptionError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Checked option values of one stage, with the schema's defaults applied.
class Options {
 public:
  Options() = default;
  explicit Options(std::vector<std::pair<std::string, OptionValue>> values)
      : values_(std::move(values)) {}

  void set(std::string name, OptionValue value);
  /// Adds the schema's default for every option not set.
  void apply_defaults(const Schema& schema);
  [[nodiscard]] bool has(std::string_view name) const noexcept { return find(name) != nullptr; }
  [[nodiscard]] const OptionValue* find(std::string_view name) const noexcept;

  [[nodiscard]] const std::string& get_string(std::string_view name) const;
  [[nodiscard]] std::int64_t get_int(std::string_view name) const;
  [[nodiscard]] double get_double(std::string_view name) const;  ///< integers widen
  [[nodiscard]] bool get_bool(std::string_view name) const;
  [[nodiscard]] Nanos get_duration(std::string_view name) const;
  [[nodiscard]] const OptionValue& get(std::string_view name) const;

  [[nodiscard]] auto begin() const noexcept { return values_.begin(); }
  [[nodiscard]] auto end() const noexcept { return values_.end(); }

 private:
  std::vector<std::pair<std::string, OptionValue>> values_;
};

}  // namespace v1
}  // namespace sluice
