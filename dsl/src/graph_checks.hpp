// Checks of the whole graph once its edges are known: cycles (topics
// included) and outputs nobody consumes.
#pragma once

#include <vector>

#include "load_context.hpp"
#include "stage_work.hpp"

namespace sluice::dsl::detail {

void find_cycles(LoadContext& ctx, const std::vector<StageWork>& stages);
void warn_unconsumed(LoadContext& ctx, const std::vector<StageWork>& stages);

}  // namespace sluice::dsl::detail
