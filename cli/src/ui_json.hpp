// What the live page of `sluice run --ui` polls at /ui.json: the numbers of
// each stage and edge over the last interval, with the ids of the SVG
// elements (graph_text.hpp) that show them.
//
//   UiRates rates(ui_layout(spec), instances);
//   std::string body = rates.next(pipeline.stats());   // rates since the last call
//
// {"pipeline", "status", "elapsed_s", "interval_s",
//  "stages": [{"name", "id", "in", "out", "in_rate", "out_rate", "busy",
//              "blocked", "queue", "dropped", "errors", "breaker", "fused"}],
//  "edges": [{"from", "to", "id", "rate", "depth", "capacity", "fill",
//             "dropped", "fused"}]}
//
// Rates are messages a second; busy, blocked, queue and fill are shares from 0
// to 1 (queue and fill null where there is no queue: a source's inputs, a
// fused edge); breaker null for a stage without one; id null for what the
// drawing does not show.
#pragma once

#include <string>
#include <vector>

#include "progress.hpp"
#include "sluice/dsl/spec.hpp"
#include "sluice/stats.hpp"

namespace sluice::cli {

/// Which SVG element shows each stage and edge of the stats.
struct UiLayout {
  struct Stage {
    std::string name;
    std::string id;
  };
  struct Edge {
    std::string from;  ///< as EdgeStats::from: "stage" or "stage.port"
    std::string to;
    std::string id;
  };
  std::vector<Stage> stages;
  std::vector<Edge> edges;
};

[[nodiscard]] UiLayout ui_layout(const dsl::PipelineSpec& spec);

/// The document for the interval from `before` to `now` (their elapsed_s).
[[nodiscard]] std::string ui_json(const Stats& before, const Stats& now, const UiLayout& layout,
                                  const Instances& instances);

/// ui_json over the time since the last snapshot it kept: the first call
/// averages over the whole run so far, and a snapshot is kept once at least
/// kMinInterval has passed, so that pages polling once a second see rates over
/// about a second however many of them poll. Not thread-safe.
class UiRates {
 public:
  static constexpr double kMinInterval = 0.5;
  UiRates(UiLayout layout, Instances instances)
      : layout_(std::move(layout)), instances_(std::move(instances)) {}
  [[nodiscard]] std::string next(const Stats& now);

 private:
  UiLayout layout_;
  Instances instances_;
  Stats before_;
};

}  // namespace sluice::cli
