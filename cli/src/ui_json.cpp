#include "ui_json.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "graph_text.hpp"

namespace sluice::cli {
namespace {

using Json = nlohmann::ordered_json;

double delta(std::uint64_t now, std::uint64_t before) {
  return now >= before ? static_cast<double>(now - before) : 0.0;
}

double share(double part, double whole) {
  return whole > 0 ? std::clamp(part / whole, 0.0, 1.0) : 0.0;
}

Json id_or_null(const std::string& id) { return id.empty() ? Json(nullptr) : Json(id); }

}  // namespace

UiLayout ui_layout(const dsl::PipelineSpec& spec) {
  UiLayout layout;
  for (std::size_t i = 0; i < spec.stages.size(); ++i) {
    layout.stages.push_back({spec.stages[i].name, stage_element_id(i)});
  }
  const auto edges = graph_edges(spec);
  for (std::size_t k = 0; k < edges.size(); ++k) {
    const auto& e = edges[k];
    const auto& from = spec.stages[e.from];
    // As the runtime names it in the stats: the port only where the stage has
    // several or it is not the first.
    const bool plain = from.ports.size() <= 1 && (from.ports.empty() || e.port == from.ports[0]);
    layout.edges.push_back(
        {plain ? from.name : from.name + "." + e.port, spec.stages[e.to].name, edge_element_id(k)});
  }
  return layout;
}

std::string ui_json(const Stats& before, const Stats& now, const UiLayout& layout,
                    const Instances& instances) {
  const double interval = std::max(now.elapsed_s - before.elapsed_s, 0.0);
  auto rate = [interval](double moved) { return interval > 0 ? moved / interval : 0.0; };
  Json doc;
  doc["pipeline"] = now.pipeline;
  doc["status"] = now.status;
  doc["elapsed_s"] = now.elapsed_s;
  doc["interval_s"] = interval;

  Json stages = Json::array();
  const StageStats zero_stage{};
  for (const auto& s : now.stages) {
    auto prev_it = std::find_if(before.stages.begin(), before.stages.end(),
                                [&](const StageStats& b) { return b.name == s.name; });
    const StageStats& prev = prev_it != before.stages.end() ? *prev_it : zero_stage;
    auto at = std::find_if(layout.stages.begin(), layout.stages.end(),
                           [&](const UiLayout::Stage& l) { return l.name == s.name; });
    const auto n_it = instances.find(s.name);
    const double n =
        n_it != instances.end() && n_it->second > 0 ? static_cast<double>(n_it->second) : 1.0;
    bool has_inputs = false;
    std::uint64_t depth = 0;
    std::uint64_t capacity = 0;
    std::uint64_t dropped = s.dropped;
    for (const auto& e : now.edges) {
      if (e.to != s.name) continue;
      has_inputs = true;
      depth += e.depth;
      capacity += e.capacity;
      dropped += e.dropped;
    }
    const bool fused = !s.fused_into.empty();
    Json j;
    j["name"] = s.name;
    j["id"] = id_or_null(at != layout.stages.end() ? at->id : std::string());
    j["in"] = s.in;
    j["out"] = s.out;
    j["in_rate"] = rate(delta(s.in, prev.in));
    j["out_rate"] = rate(delta(s.out, prev.out));
    // A fused stage's time counts in its chain head's loop.
    j["busy"] = fused ? Json(nullptr) : Json(share(s.busy_s - prev.busy_s, interval * n));
    j["blocked"] = share(s.blocked_s - prev.blocked_s, interval * n);
    j["queue"] = has_inputs && !fused
                     ? Json(share(static_cast<double>(depth), static_cast<double>(capacity)))
                     : Json(nullptr);
    j["dropped"] = dropped;
    j["errors"] = s.errors;
    j["restarts"] = s.restarts;
    j["breaker"] = s.breaker.empty() ? Json(nullptr) : Json(s.breaker_state);
    j["fused"] = fused;
    stages.push_back(std::move(j));
  }
  doc["stages"] = std::move(stages);

  // Edges match the layout's by their ends; two edges with the same ends
  // (one stage reading another twice) match in order.
  std::vector<bool> used(layout.edges.size(), false);
  Json edges = Json::array();
  for (std::size_t i = 0; i < now.edges.size(); ++i) {
    const auto& e = now.edges[i];
    std::string id;
    for (std::size_t k = 0; k < layout.edges.size(); ++k) {
      if (!used[k] && layout.edges[k].from == e.from && layout.edges[k].to == e.to) {
        used[k] = true;
        id = layout.edges[k].id;
        break;
      }
    }
    std::uint64_t taken_before = 0;
    std::size_t seen = 0;  // the same ordinal among edges with these ends in `before`
    for (std::size_t k = 0; k < i; ++k) {
      if (now.edges[k].from == e.from && now.edges[k].to == e.to) ++seen;
    }
    for (const auto& b : before.edges) {
      if (b.from == e.from && b.to == e.to && seen-- == 0) {
        taken_before = b.taken;
        break;
      }
    }
    Json j;
    j["from"] = e.from;
    j["to"] = e.to;
    j["id"] = id_or_null(id);
    j["rate"] = rate(delta(e.taken, taken_before));
    j["depth"] = e.depth;
    j["capacity"] = e.capacity;
    j["fill"] = e.fused
                    ? Json(nullptr)
                    : Json(share(static_cast<double>(e.depth), static_cast<double>(e.capacity)));
    j["dropped"] = e.dropped;
    j["fused"] = e.fused;
    edges.push_back(std::move(j));
  }
  doc["edges"] = std::move(edges);
  // Names come from the file: bytes that are not UTF-8 must not fail the request.
  return doc.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string UiRates::next(const Stats& now) {
  std::string body = ui_json(before_, now, layout_, instances_);
  if (now.elapsed_s - before_.elapsed_s >= kMinInterval) before_ = now;
  return body;
}

}  // namespace sluice::cli
