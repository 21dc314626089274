// A stage's `inputs`: read from the file ("stage", "stage.port" or an
// inline table), then resolved against the stages and their output ports
// once every stage is loaded.
#pragma once

#include <toml++/toml.h>

#include <set>
#include <string>
#include <vector>

#include "load_context.hpp"
#include "stage_work.hpp"

namespace sluice::dsl::detail {

void load_inputs(LoadContext& ctx, StageWork& w, const toml::node& n);
/// Splits each input into stage and port and checks both; `broken`: stage
/// names whose entry was not a table (already reported).
void resolve_inputs(LoadContext& ctx, std::vector<StageWork>& stages,
                    const std::set<std::string>& broken);

}  // namespace sluice::dsl::detail
