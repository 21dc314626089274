// The load step behind sluice/dsl/file_paths.hpp: `check` rejects a `file`
// sink that writes what a `file` source reads or what another sink writes.
#pragma once

#include <vector>

#include "load_context.hpp"
#include "stage_work.hpp"

namespace sluice::dsl::detail {

void check_file_paths(LoadContext& ctx, const std::vector<StageWork>& stages);

}  // namespace sluice::dsl::detail
