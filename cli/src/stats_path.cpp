#include "stats_path.hpp"

#include <cstdio>

#include "sluice/dsl/file_paths.hpp"
#include "sluice/dsl/printable.hpp"

namespace sluice::cli {

bool stats_path_is_free(const std::string& stats_json, const dsl::PipelineSpec& spec) {
  if (stats_json.empty()) return true;
  const auto stage = dsl::file_stage_of(spec, stats_json);
  if (!stage) return true;
  std::fprintf(stderr,
               "sluice: error: --stats-json '%s' is the file of stage '%s': the stats would "
               "overwrite it\n  hint: write the stats to another file\n",
               dsl::printable(stats_json).c_str(), dsl::printable(*stage).c_str());
  return false;
}

}  // namespace sluice::cli
