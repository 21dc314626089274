// Chain fusion: finds the runs of fusable stages (NodeOptions::fusable) with
// equal `workers` that follow one another through plain edges and lets each
// instance of the first run the others in its own loop (instance_fused.cpp). What a stage does is
// unchanged: a map, a filter or a count with one input, one output and no policy of its own behaves
// the same whether a queue sits between it and its neighbour or not.
#include <algorithm>
#include <optional>

#include "runtime/runtime.hpp"

namespace sluice::detail {
namespace {

std::size_t workers(const Node& n) { return std::max<std::size_t>(1, n.options.workers); }

bool fusable(const Node& n) {
  const NodeOptions& o = n.options;
  return n.kind == NodeKind::stage && o.fusable && n.ports.size() == 1 && !o.ordered &&
         !o.blocking && !o.rate_limit && !o.semaphore && !o.circuit_breaker &&
         o.retry.max_attempts <= 1 && o.timeout == 0 && o.on_error == OnError::fail &&
         !o.interleave_inputs;
}

}  // namespace

void Runtime::fuse_chains(std::size_t min_workers) {
  const auto& nodes = graph_.nodes();
  const auto& edges = graph_.edges();
  std::vector<std::vector<std::size_t>> out_edges(nodes.size()), in_edges(nodes.size());
  for (std::size_t i = 0; i < edges.size(); ++i) {
    out_edges[edges[i].from].push_back(i);
    in_edges[edges[i].to].push_back(i);
  }
  // The edge from `from` to the next stage of its chain, if it has one. A
  // bounded edge with a drop policy is kept: its drops are part of the file.
  auto link = [&](std::size_t from) -> std::optional<std::size_t> {
    if (!fusable(nodes[from]) || out_edges[from].size() != 1) return std::nullopt;
    if (workers(nodes[from]) < min_workers) return std::nullopt;
    const std::size_t e = out_edges[from].front();
    const std::size_t to = edges[e].to;
    if (!fusable(nodes[to]) || in_edges[to].size() != 1) return std::nullopt;
    // Each instance of the head runs one copy of the chain: equal workers.
    if (workers(nodes[to]) != workers(nodes[from])) return std::nullopt;
    if (edges[e].options.overflow != Overflow::block) return std::nullopt;
    return e;
  };
  fused_edge_to_.assign(edges.size(), nullptr);
  for (std::size_t h = 0; h < nodes.size(); ++h) {
    if (in_edges[h].size() == 1 && link(edges[in_edges[h].front()].from)) continue;  // not a head
    NodeRuntime& head = *nodes_[h];
    std::size_t last = h;
    while (const auto e = link(last)) {
      last = edges[*e].to;
      NodeRuntime& next = *nodes_[last];
      head.fused.push_back(&next);
      next.fused_into = &head;
      fused_edge_to_[*e] = &next;
    }
    if (head.fused.empty()) continue;
    head.outputs = std::move(nodes_[last]->outputs);  // the head emits what the last one would
    for (NodeRuntime* member : head.fused) {
      member->inputs.clear();
      member->outputs.clear();
    }
  }
}

}  // namespace sluice::detail
