#include "sluice/options.hpp"

#include <fmt/format.h>

namespace sluice {
inline namespace v1 {
namespace {

[[noreturn]] void wrong(std::string_view name, std::string_view wanted) {
  throw OptionError(fmt::format("option '{}' is not set or not a {}", name, wanted));
}

}  // namespace

std::string_view to_string(OptionType type) noexcept {
  switch (type) {
    case OptionType::string:
      return "string";
    case OptionType::integer:
      return "integer";
    case OptionType::floating:
      return "float";
    case OptionType::boolean:
      return "bool";
    case OptionType::duration:
      return "duration";
    case OptionType::list:
      return "list";
    case OptionType::table:
      return "table";
    case OptionType::expression:
      return "expression";
    case OptionType::template_:
      return "template";
  }
  return "string";
}

void Options::set(std::string name, OptionValue value) {
  for (auto& [k, v] : values_) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  values_.emplace_back(std::move(name), std::move(value));
}

void Options::apply_defaults(const Schema& schema) {
  for (const OptionSpec& spec : schema.options) {
    if (spec.default_value && !has(spec.name)) values_.emplace_back(spec.name, *spec.default_value);
  }
}

const OptionValue* Options::find(std::string_view name) const noexcept {
  for (const auto& [k, v] : values_) {
    if (k == name) return &v;
  }
  return nullptr;
}

const OptionValue& Options::get(std::string_view name) const {
  const OptionValue* v = find(name);
  if (!v) throw OptionError(fmt::format("option '{}' is not set", name));
  return *v;
}

const std::string& Options::get_string(std::string_view name) const {
  const OptionValue* v = find(name);
  if (!v || v->kind != OptionValue::Kind::string) wrong(name, "string");
  return v->str;
}

std::int64_t Options::get_int(std::string_view name) const {
  const OptionValue* v = find(name);
  if (!v || v->kind != OptionValue::Kind::integer) wrong(name, "integer");
  return v->i;
}

double Options::get_double(std::string_view name) const {
  const OptionValue* v = find(name);
  if (v && v->kind == OptionValue::Kind::floating) return v->f;
  if (v && v->kind == OptionValue::Kind::integer) return static_cast<double>(v->i);
  wrong(name, "number");
}

bool Options::get_bool(std::string_view name) const {
  const OptionValue* v = find(name);
  if (!v || v->kind != OptionValue::Kind::boolean) wrong(name, "bool");
  return v->b;
}

Nanos Options::get_duration(std::string_view name) const {
  const OptionValue* v = find(name);
  if (!v || v->kind != OptionValue::Kind::duration) wrong(name, "duration");
  return v->i;
}

}  // namespace v1
}  // namespace sluice
