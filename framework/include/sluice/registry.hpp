// Stage types by name: what the DSL looks up, validates against and builds,
// and what `sluice list` prints. Built-ins and plugins register the same way.
//
//   registry.add({.name = "upper", .role = Role::stage, .doc = "upper-cases payloads",
//                 .make_stage = [](const Options&) { return std::make_unique<Upper>(); }});
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/options.hpp"
#include "sluice/stage.hpp"

namespace sluice {
inline namespace v1 {

/// A source takes no inputs; a stage and a sink need some. One name may be
/// registered once as a source and once as a non-source (`file`).
enum class Role { source, stage, sink };

std::string_view to_string(Role role) noexcept;

struct StageType {
  std::string name{};
  Role role{Role::stage};
  std::string doc{};
  Schema schema{};
  bool blocking{false};  ///< runs on the I/O pool, not the arena
  bool fusable{false};   ///< a map or a filter: see NodeOptions::fusable
  /// Output ports for the given options; empty function = {"out"}. Sinks have none.
  std::function<std::vector<std::string>(const Options&)> ports{};
  std::function<std::unique_ptr<Source>(const Options&)> make_source{};
  std::function<std::unique_ptr<Stage>(const Options&)> make_stage{};
  std::function<std::unique_ptr<Sink>(const Options&)> make_sink{};

  [[nodiscard]] std::vector<std::string> output_ports(const Options& options) const;
};

class Registry {
 public:
  /// Adds a type; returns false when the name is taken for that kind of role.
  /// Throws std::invalid_argument when the type has no factory for its role.
  bool add(StageType type);
  /// The type called `name` usable with (has_inputs) or without inputs.
  [[nodiscard]] const StageType* find(std::string_view name, bool has_inputs) const noexcept;
  /// Any type of that name (for "it exists, but as a source" messages).
  [[nodiscard]] std::vector<const StageType*> find_all(std::string_view name) const;
  [[nodiscard]] const std::vector<StageType>& types() const noexcept { return types_; }

 private:
  std::vector<StageType> types_;
};

/// The registry with every built-in stage type.
Registry& builtin_registry();

}  // namespace v1
}  // namespace sluice
