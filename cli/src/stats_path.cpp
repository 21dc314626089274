#include "stats_path.hpp"

#include <cstdio>

#include "error_lines.hpp"
#include "sluice/dsl/file_paths.hpp"
#include "sluice/dsl/printable.hpp"

namespace sluice::cli {

bool stats_path_is_free(const std::string& stats_json, const dsl::PipelineSpec& spec) {
  if (stats_json.empty()) return true;
  const auto stage = dsl::file_stage_of(spec, stats_json);
  if (!stage) return true;
  print_error("--stats-json '" + stats_json + "' is the file of stage '" + *stage +
                  "': the stats would overwrite it",
              "write the stats to another file");
  return false;
}

}  // namespace sluice::cli
