// The Prometheus text exposition (format 0.0.4) of a run's live stats, what
// `sluice run --metrics ADDR` serves at /metrics:
//
//   std::string body = prometheus_text(pipeline.stats(), read_process_stats());
//
// One family per counter of the stats (README: Metrics), each with its HELP
// and TYPE lines; label values escaped as the format says.
#pragma once

#include <string>
#include <string_view>

#include "process_stats.hpp"
#include "sluice/stats.hpp"

namespace sluice::cli {

/// `value` as a label value: backslash, double quote and newline escaped.
[[nodiscard]] std::string escape_label_value(std::string_view value);

[[nodiscard]] std::string prometheus_text(const Stats& stats, const ProcessStats& process);

}  // namespace sluice::cli
