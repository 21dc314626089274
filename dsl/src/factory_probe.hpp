// A stage's factory run once while the file is loaded, so that what it
// checks beyond the schema (BadOption) is reported with the file's other
// problems and at the option it names; and the type's own check hook
// (StageType::check) over its options and inputs.
#pragma once

#include <exception>

#include "load_context.hpp"
#include "stage_work.hpp"

namespace sluice::dsl::detail {

/// A type registered by sluice itself (plugins cannot take a built-in's name).
inline bool is_builtin(const StageType& type) {
  const StageType* b = builtin_registry().find(type.name, type.role() != Role::source);
  return b != nullptr && b->role() == type.role();
}

/// Builds the stage once and drops it, so that what its factory checks beyond
/// the schema (an empty separator, a template inside attrs) is reported now,
/// with a position and with every other problem, not when `sluice run`
/// starts it. Plugin types are built by check_plugin_stages(), which names
/// the plugin. `clean`: none of the stage's options was rejected.
void build_once(LoadContext& ctx, StageWork& w, bool clean);
/// A factory's (or a port list's) complaint about the stage's options, at the
/// option it names; else at the stage.
void factory_error(LoadContext& ctx, const StageWork& w, const std::exception& e);
/// The type's own rules across its options and inputs (StageType::check),
/// each problem at the key it names, else at the stage.
void check_stage(LoadContext& ctx, const StageWork& w);

}  // namespace sluice::dsl::detail
