// The check hook of the file source and sink: `path = ""` names no file (the
// source would read standard input instead, the sink fail at its first open).
#pragma once

#include <string>
#include <vector>

#include "sluice/registry.hpp"

namespace sluice::builtins {

inline std::vector<StageProblem> check_path(const StageView& stage) {
  const OptionValue* path = stage.options.find("path");
  if (path == nullptr || !path->str.empty()) return {};
  return {{"bad-option", "path", "'path' in stage '" + std::string(stage.name) + "' is empty",
           "name a file, e.g. path = \"data.txt\" (relative to the working directory)"}};
}

}  // namespace sluice::builtins
