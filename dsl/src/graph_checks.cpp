#include "graph_checks.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace sluice::dsl::detail {

void find_cycles(LoadContext& ctx, const std::vector<StageWork>& stages) {
  // consumers[i]: (consumer index, input index) pairs fed by stage i.
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < stages.size(); ++i) index[stages[i].spec.name] = i;
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> consumers(stages.size());
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const auto& ins = stages[i].spec.inputs;
    for (std::size_t j = 0; j < ins.size(); ++j) {
      if (ins[j].stage.empty()) continue;
      consumers[index[ins[j].stage]].emplace_back(i, j);
    }
  }
  std::vector<int> color(stages.size(), 0);  // 0 new, 1 on the path, 2 done
  // The path: (stage, the input of that stage it was reached through).
  std::vector<std::pair<std::size_t, std::size_t>> path;
  std::set<std::set<std::size_t>> reported;
  const auto arrow = [&](std::size_t to, std::size_t input) {
    const auto& topic = stages[to].spec.inputs[input].topic;
    return topic.empty() ? std::string(" -> ") : " -> (topic " + quote(topic) + ") -> ";
  };
  std::function<void(std::size_t, std::size_t)> visit = [&](std::size_t u, std::size_t via) {
    color[u] = 1;
    path.emplace_back(u, via);
    for (const auto& consumer : consumers[u]) {
      const std::size_t v = consumer.first;  // not a structured binding: lambdas capture it
      const std::size_t input = consumer.second;
      if (color[v] == 1) {
        auto start =
            std::find_if(path.begin(), path.end(), [&](const auto& p) { return p.first == v; });
        std::set<std::size_t> members;
        for (auto it = start; it != path.end(); ++it) members.insert(it->first);
        if (!reported.insert(members).second) continue;
        std::string ring = stages[v].spec.name;
        for (auto it = start + 1; it != path.end(); ++it) {
          ring += arrow(it->first, it->second) + stages[it->first].spec.name;
        }
        ring += arrow(v, input) + stages[v].spec.name;
        const bool topics = ring.find(" -> (topic ") != std::string::npos;
        ctx.error("cycle", stages[v].spec.inputs[input].span, "cycle in the graph: " + ring,
                  topics
                      ? "a pipeline must be acyclic, topics included; remove one of these inputs "
                        "or subscriptions"
                      : "a pipeline must be acyclic; remove one of these inputs");
      } else if (color[v] == 0) {
        visit(v, input);
      }
    }
    path.pop_back();
    color[u] = 2;
  };
  for (std::size_t i = 0; i < stages.size(); ++i) {
    if (color[i] == 0) visit(i, 0);
  }
}

void warn_unconsumed(LoadContext& ctx, const std::vector<StageWork>& stages) {
  std::set<std::pair<std::string, std::string>> consumed;
  for (const auto& w : stages) {
    for (const auto& in : w.spec.inputs) consumed.emplace(in.stage, in.port);
  }
  for (const auto& w : stages) {
    if (!w.type) continue;
    for (std::size_t p = 0; p < w.spec.ports.size(); ++p) {
      const auto& port = w.spec.ports[p];
      if (consumed.count({w.spec.name, port})) continue;
      const std::string ref = p == 0 ? w.spec.name : w.spec.name + "." + port;
      std::string why = port == "dead_letter" || port == "rejected"
                            ? "; those messages are counted and dropped"
                            : "; its messages are dropped";
      ctx.warning("unconsumed-output", w.spec.span,
                  "output " + quote(ref) + " is not consumed by any stage" + why,
                  "add \"" + ref + "\" to the inputs of a stage (e.g. a 'discard' sink)");
    }
  }
}

}  // namespace sluice::dsl::detail
