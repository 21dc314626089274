#include "remote_stats.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace sluice::cli {
namespace {

using Json = nlohmann::ordered_json;

std::uint64_t u64(const Json& j, const char* key) { return j.value(key, std::uint64_t{0}); }
double real(const Json& j, const char* key) { return j.value(key, 0.0); }

}  // namespace

std::string control_stats_json(const Stats& stats, const Instances& instances) {
  Json doc;
  doc["instances"] = Json::object();
  for (const auto& [name, n] : instances) doc["instances"][name] = n;
  doc["stats"] = Json::parse(to_json(stats));
  return doc.dump();
}

RemoteStats parse_control_stats(std::string_view body) {
  const Json doc = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("stats") || !doc["stats"].is_object()) {
    throw std::invalid_argument("not a sluice control stats document");
  }
  RemoteStats r;
  try {
    if (doc.contains("instances")) {
      for (const auto& [name, n] : doc["instances"].items()) {
        r.instances.emplace(name, n.get<std::size_t>());
      }
    }
    const Json& s = doc["stats"];
    r.stats.pipeline = s.value("pipeline", std::string());
    r.stats.status = s.value("status", std::string());
    r.stats.elapsed_s = real(s, "elapsed_s");
    const Json stages = s.value("stages", Json::object());  // kept: items() refers to it
    for (const auto& [name, j] : stages.items()) {
      StageStats st;
      st.name = name;
      st.in = u64(j, "in");
      st.out = u64(j, "out");
      st.filtered = u64(j, "filtered");
      st.dropped = u64(j, "dropped");
      st.errors = u64(j, "errors");
      st.retries = u64(j, "retries");
      st.dead_letter = u64(j, "dead_letter");
      st.rejected = u64(j, "rejected");
      st.abandoned = u64(j, "abandoned");
      st.restarts = u64(j, "restarts");
      st.busy_s = real(j, "busy_s");
      st.blocked_s = real(j, "blocked_s");
      if (j.contains("counters")) {
        for (const auto& [k, v] : j["counters"].items()) st.counters[k] = v.get<std::uint64_t>();
      }
      if (j.contains("breaker")) {
        st.breaker = j["breaker"].value("name", std::string());
        st.breaker_state = j["breaker"].value("state", std::string());
      }
      st.fused_into = j.value("fused_into", std::string());
      r.stats.stages.push_back(std::move(st));
    }
    for (const Json& j : s.value("edges", Json::array())) {
      EdgeStats e;
      e.from = j.value("from", std::string());
      e.to = j.value("to", std::string());
      e.capacity = u64(j, "capacity");
      e.depth = u64(j, "depth");
      e.max_depth = u64(j, "max_depth");
      e.offered = u64(j, "offered");
      e.taken = u64(j, "taken");
      e.dropped = u64(j, "dropped");
      e.abandoned = u64(j, "abandoned");
      e.blocked_s = real(j, "blocked_s");
      e.fused = j.value("fused", false);
      r.stats.edges.push_back(std::move(e));
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("malformed sluice control stats: ") + e.what());
  }
  return r;
}

}  // namespace sluice::cli
