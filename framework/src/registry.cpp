#include "sluice/registry.hpp"

#include <stdexcept>
#include <string>

namespace sluice {
inline namespace v1 {

std::string_view to_string(Role role) noexcept {
  switch (role) {
    case Role::source:
      return "source";
    case Role::stage:
      return "stage";
    case Role::sink:
      return "sink";
  }
  return "stage";
}

std::vector<std::string> StageType::output_ports(const Options& options) const {
  if (role == Role::sink) return {};
  if (ports) return ports(options);
  return {"out"};
}

bool Registry::add(StageType type) {
  const bool made = type.role == Role::source  ? static_cast<bool>(type.make_source)
                    : type.role == Role::stage ? static_cast<bool>(type.make_stage)
                                               : static_cast<bool>(type.make_sink);
  if (!made) {
    // Caught here rather than as a bad_function_call when a pipeline runs.
    throw std::invalid_argument("stage type '" + type.name + "' is a " +
                                std::string(to_string(type.role)) + " but has no make_" +
                                std::string(to_string(type.role)) + " factory");
  }
  const bool source = type.role == Role::source;
  for (const StageType& t : types_) {
    if (t.name == type.name && (t.role == Role::source) == source) return false;
  }
  types_.push_back(std::move(type));
  return true;
}

const StageType* Registry::find(std::string_view name, bool has_inputs) const noexcept {
  for (const StageType& t : types_) {
    if (t.name == name && (t.role != Role::source) == has_inputs) return &t;
  }
  return nullptr;
}

std::vector<const StageType*> Registry::find_all(std::string_view name) const {
  std::vector<const StageType*> out;
  for (const StageType& t : types_) {
    if (t.name == name) out.push_back(&t);
  }
  return out;
}

}  // namespace v1
}  // namespace sluice
