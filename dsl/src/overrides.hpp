// --set KEY=VALUE: applied to the parsed file before anything is checked.
// The nodes an override makes are remembered (LoadContext::origin), so that a
// problem in one is blamed on the override, not on a line of the file.
#pragma once

#include <toml++/toml.h>

#include <string>

#include "load_context.hpp"

namespace sluice::dsl::detail {

/// `text` is "stages.src.count=10"; VALUE is a TOML value when it parses as
/// one, else the text itself.
void apply_override(LoadContext& ctx, toml::table& root, const std::string& text);

}  // namespace sluice::dsl::detail
