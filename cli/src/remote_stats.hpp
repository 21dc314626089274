// The stats a running `sluice run --control ADDR` serves at /control/stats,
// and how `sluice top` reads them back: the `--stats-json` document of a live
// snapshot plus each stage's instances.
//
//   std::string body = control_stats_json(pipeline.stats(), instances);
//   RemoteStats r = parse_control_stats(body);   // throws on a malformed body
//   render_progress(before, r.stats, interval, r.instances);
#pragma once

#include <string>
#include <string_view>

#include "progress.hpp"
#include "sluice/stats.hpp"

namespace sluice::cli {

struct RemoteStats {
  Stats stats;
  Instances instances;
};

/// {"instances": {stage: workers}, "stats": <the --stats-json document>}.
[[nodiscard]] std::string control_stats_json(const Stats& stats, const Instances& instances);

/// The inverse of control_stats_json; std::invalid_argument when `body` is not one.
[[nodiscard]] RemoteStats parse_control_stats(std::string_view body);

}  // namespace sluice::cli
