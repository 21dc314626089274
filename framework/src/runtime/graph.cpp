#include "sluice/graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace sluice {
inline namespace v1 {

std::string_view to_string(Overflow o) noexcept {
  switch (o) {
    case Overflow::block:
      return "block";
    case Overflow::drop_newest:
      return "drop_newest";
    case Overflow::drop_oldest:
      return "drop_oldest";
  }
  return "block";
}

NodeId Graph::add_source(std::string name, SourceFactory make, NodeOptions options,
                         std::vector<std::string> ports) {
  Node n;
  n.name = std::move(name);
  n.kind = NodeKind::source;
  n.options = options;
  n.ports = std::move(ports);
  n.make_source = std::move(make);
  nodes_.push_back(std::move(n));
  return nodes_.size() - 1;
}

NodeId Graph::add_stage(std::string name, StageFactory make, NodeOptions options,
                        std::vector<std::string> ports) {
  Node n;
  n.name = std::move(name);
  n.kind = NodeKind::stage;
  n.options = options;
  n.ports = std::move(ports);
  n.make_stage = std::move(make);
  nodes_.push_back(std::move(n));
  return nodes_.size() - 1;
}

NodeId Graph::add_sink(std::string name, SinkFactory make, NodeOptions options,
                       std::vector<std::string> ports) {
  Node n;
  n.name = std::move(name);
  n.kind = NodeKind::sink;
  n.options = options;
  n.ports = std::move(ports);
  n.make_sink = std::move(make);
  nodes_.push_back(std::move(n));
  return nodes_.size() - 1;
}

void Graph::connect(NodeId from, std::string_view port, NodeId to, EdgeOptions options) {
  const Node& f = nodes_.at(from);
  (void)nodes_.at(to);
  const auto it = std::find(f.ports.begin(), f.ports.end(), port);
  if (it == f.ports.end()) {
    throw std::invalid_argument(fmt::format("stage '{}' has no output port '{}'", f.name, port));
  }
  edges_.push_back(Edge{from, static_cast<std::size_t>(it - f.ports.begin()), to, options});
}

std::vector<std::string> Graph::problems() const {
  std::vector<std::string> out;
  std::vector<std::size_t> indegree(nodes_.size(), 0);
  std::vector<std::vector<std::size_t>> next(nodes_.size());
  for (const Edge& e : edges_) {
    ++indegree[e.to];
    next[e.from].push_back(e.to);
    if (e.options.capacity == 0) {
      out.push_back(
          fmt::format("edge {} -> {} has capacity 0", nodes_[e.from].name, nodes_[e.to].name));
    }
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (n.kind == NodeKind::source && indegree[i] > 0) {
      out.push_back(fmt::format("source '{}' has inputs", n.name));
    }
    if (n.kind != NodeKind::source && indegree[i] == 0) {
      out.push_back(fmt::format("stage '{}' has no inputs", n.name));
    }
    if (!n.make_source && !n.make_stage && !n.make_sink) {
      out.push_back(fmt::format("stage '{}' has no factory", n.name));
    }
    if (n.options.workers == 0) out.push_back(fmt::format("stage '{}' has 0 workers", n.name));
    if (dead_letters(n.options.on_error) &&
        std::find(n.ports.begin(), n.ports.end(), "dead_letter") == n.ports.end()) {
      out.push_back(fmt::format("stage '{}' dead-letters but has no 'dead_letter' port", n.name));
    }
  }
  // Kahn's algorithm: whatever is left over sits on a cycle.
  std::vector<std::size_t> ready;
  std::vector<std::size_t> deg = indegree;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (deg[i] == 0) ready.push_back(i);
  }
  std::size_t seen = 0;
  while (!ready.empty()) {
    const std::size_t i = ready.back();
    ready.pop_back();
    ++seen;
    for (std::size_t j : next[i]) {
      if (--deg[j] == 0) ready.push_back(j);
    }
  }
  if (seen != nodes_.size()) {
    std::string names;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      if (deg[i] > 0) names += (names.empty() ? "" : ", ") + nodes_[i].name;
    }
    out.push_back("cycle through " + names);
  }
  return out;
}

}  // namespace v1
}  // namespace sluice
