// One stage while the pipeline file is loaded: its spec so far, its TOML
// table and the type it resolved to.
#pragma once

#include <toml++/toml.h>

#include "sluice/dsl/spec.hpp"
#include "sluice/registry.hpp"

namespace sluice::dsl::detail {

struct StageWork {
  StageSpec spec;
  const toml::table* table{nullptr};
  const StageType* type{nullptr};  ///< null: unknown type, options unchecked
  /// False when the type could not list its ports for these options: its
  /// consumers are not checked (their errors would only echo the stage's).
  bool ports_known{true};
};

}  // namespace sluice::dsl::detail
