#include "ui_server.hpp"

#include <httplib.h>

#include "graph_text.hpp"
#include "metrics_server.hpp"
#include "svg_render.hpp"
#include "ui_page.hpp"

namespace sluice::cli {

std::shared_ptr<const UiAssets> make_ui_assets(const dsl::PipelineSpec& spec) {
  auto assets = std::make_shared<UiAssets>();
  assets->pipeline = spec.name;
  SvgResult drawn = render_svg(dot_text(spec, DotFor::live_page));
  assets->svg = std::move(drawn.svg);
  assets->why_no_svg = std::move(drawn.error);
  assets->layout = ui_layout(spec);
  return assets;
}

void MetricsServer::serve_ui(std::shared_ptr<const UiAssets> ui) {
  // The page never changes during the run: made once.
  auto page =
      std::make_shared<const std::string>(ui_page_html(ui->pipeline, ui->svg, ui->why_no_svg));
  server_->Get("/", [page](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(*page, "text/html; charset=utf-8");
  });
  server_->Get("/graph.svg", [ui](const httplib::Request&, httplib::Response& res) {
    if (ui->svg.empty()) {
      res.status = 404;
      res.set_content("no drawing of the graph: " + ui->why_no_svg + "\n", "text/plain");
      return;
    }
    res.set_content(ui->svg, "image/svg+xml");
  });
  server_->Get("/ui.json", [this, ui](const httplib::Request&, httplib::Response& res) {
    const std::lock_guard lock(mu_);
    if (pipeline_ == nullptr) {
      res.status = 503;
      res.set_content("the pipeline has not started\n", "text/plain");
      return;
    }
    // Rates count from the first request of the run; every page shares them.
    if (!ui_rates_) ui_rates_ = std::make_unique<UiRates>(ui->layout, instances_);
    res.set_header("Cache-Control", "no-store");
    res.set_content(ui_rates_->next(pipeline_->stats()), "application/json");
  });
}

}  // namespace sluice::cli
