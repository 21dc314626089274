#include <nlohmann/json.hpp>

#include "sluice/stats.hpp"

namespace sluice {
inline namespace v1 {

std::string to_json(const Stats& stats) {
  nlohmann::ordered_json doc;
  doc["pipeline"] = stats.pipeline;
  doc["status"] = stats.status;
  doc["elapsed_s"] = stats.elapsed_s;
  auto& stages = doc["stages"] = nlohmann::ordered_json::object();
  for (const StageStats& s : stats.stages) {
    nlohmann::ordered_json j;
    j["in"] = s.in;
    j["out"] = s.out;
    j["filtered"] = s.filtered;
    j["dropped"] = s.dropped;
    j["errors"] = s.errors;
    j["retries"] = s.retries;
    j["dead_letter"] = s.dead_letter;
    j["expired"] = s.expired;
    j["rejected"] = s.rejected;
    j["abandoned"] = s.abandoned;
    j["restarts"] = s.restarts;
    j["busy_s"] = s.busy_s;
    j["blocked_s"] = s.blocked_s;
    if (!s.counters.empty()) j["counters"] = s.counters;
    if (!s.breaker.empty()) j["breaker"] = {{"name", s.breaker}, {"state", s.breaker_state}};
    if (!s.fused_into.empty()) j["fused_into"] = s.fused_into;
    stages[s.name] = std::move(j);
  }
  auto& edges = doc["edges"] = nlohmann::ordered_json::array();
  for (const EdgeStats& e : stats.edges) {
    nlohmann::ordered_json j;
    j["from"] = e.from;
    j["to"] = e.to;
    j["capacity"] = e.capacity;
    j["depth"] = e.depth;
    j["max_depth"] = e.max_depth;
    j["offered"] = e.offered;
    j["taken"] = e.taken;
    j["dropped"] = e.dropped;
    j["abandoned"] = e.abandoned;
    j["blocked_s"] = e.blocked_s;
    if (e.fused) j["fused"] = true;
    edges.push_back(std::move(j));
  }
  return doc.dump(2);
}

}  // namespace v1
}  // namespace sluice
