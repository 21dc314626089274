// One TOML table against a Schema: each value's type, range, choices and, for
// expressions and templates, its syntax (at its column), with defaults
// applied. Used for [pipeline], the shared sections, inline policies and
// inputs; a stage's own options are checked key by key with check_value().
#pragma once

#include <toml++/toml.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "load_context.hpp"
#include "sluice/options.hpp"

namespace sluice::dsl::detail {

struct Checked {
  std::vector<std::pair<std::string, OptionValue>> values;
  std::map<std::string, Span> spans;      ///< value spans of the keys given
  std::map<std::string, Span> key_spans;  ///< key spans of the keys given
  [[nodiscard]] const OptionValue* find(std::string_view name) const {
    for (const auto& [k, v] : values) {
      if (k == name) return &v;
    }
    return nullptr;
  }
};

/// Any TOML value as an OptionValue, for list / table options. A table's
/// entries keep the file's order (toml++ 3.3 keeps tables in a std::map, i.e.
/// alphabetical): `route` tries its routes in the order they are written.
/// Entries `--set` added come after those of the file, in their own order.
OptionValue to_value(const toml::node& n, const std::string& file);

/// The value of option `spec`, or nothing after reporting why not. `where`:
/// " in stage 'x'", appended to the option's name in messages.
std::optional<OptionValue> check_value(LoadContext& ctx, const OptionSpec& spec,
                                       const toml::node& n, const std::string& where);

/// Every key of `t` against `schema` (keys in `also_allowed` are skipped):
/// unknown and missing keys, each value, defaults for the others.
Checked check_table(LoadContext& ctx, const toml::table& t, const Schema& schema,
                    const std::string& where, const std::vector<std::string>& also_allowed,
                    const Span& table_span);

}  // namespace sluice::dsl::detail
