// `sluice run --stats-json PATH` checked against the pipeline before it runs:
// the stats are written over PATH at the end, so PATH must not be a file a
// `file` stage reads or writes (the output, or the input, would be lost).
#pragma once

#include <string>

#include "sluice/dsl/spec.hpp"

namespace sluice::cli {

/// False, after saying why on stderr, when `stats_json` is a file of a
/// `file` stage of `spec`; true otherwise (also when it is empty: no stats).
[[nodiscard]] bool stats_path_is_free(const std::string& stats_json, const dsl::PipelineSpec& spec);

}  // namespace sluice::cli
