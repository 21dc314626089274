// The live page of `sluice run --ui ADDR`, served by the run's HTTP server
// (metrics_server.hpp) beside or instead of /metrics and /control:
//
//   /          the page (ui_page.hpp): the graph, numbers refreshed once a second
//   /graph.svg the drawing alone, made once before the run by Graphviz's `dot`
//   /ui.json   the numbers (ui_json.hpp); 503 until the run has started
//
// Without `dot` the run goes on, and the page says why it has no drawing.
//
//   auto ui = make_ui_assets(spec);   // runs `dot` once
//   if (!ui->why_no_svg.empty()) log(ui->why_no_svg);
//   MetricsServer::bind(address, "--ui", {.ui = ui}, error);
#pragma once

#include <memory>
#include <string>

#include "sluice/dsl/spec.hpp"
#include "ui_json.hpp"

namespace sluice::cli {

struct UiAssets {
  std::string pipeline;  ///< its name, the page's title
  std::string svg;       ///< the <svg> element; empty when `dot` could not draw it
  std::string why_no_svg;
  UiLayout layout;  ///< which element of `svg` shows which stage and edge
};

/// The page's drawing of `spec`, rendered now.
[[nodiscard]] std::shared_ptr<const UiAssets> make_ui_assets(const dsl::PipelineSpec& spec);

}  // namespace sluice::cli
