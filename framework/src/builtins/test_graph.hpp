// Test support for the built-in stages: a graph node made from a registered
// type and its options, and a sink that keeps what reaches it.
#pragma once

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/test_stages.hpp"
#include "sluice/graph.hpp"
#include "sluice/pipeline.hpp"
#include "sluice/registry.hpp"

namespace sluice::testing {

using Set = std::vector<std::pair<std::string, OptionValue>>;

/// A node of built-in type `type` with options `set` (defaults applied).
inline NodeId add(Graph& g, const std::string& name, const std::string& type, bool has_inputs,
                  Set set = {}, std::size_t workers = 1) {
  const StageType* t = builtin_registry().find(type, has_inputs);
  if (!t) throw std::runtime_error("no type " + type);
  Options o(std::move(set));
  o.apply_defaults(t->schema);
  const NodeOptions node{.workers = workers, .ordered = false, .blocking = t->blocking};
  return add_node(g, name, t->make, o, node, t->output_ports(o));
}

/// A sink `name` that keeps what reaches it in `into`.
inline NodeId keep(Graph& g, const std::string& name, Kept& into) {
  return g.add_sink(name, [&into] { return std::make_unique<KeepSink>(into); });
}

/// The stats of stage `name` of a running or finished pipeline, now.
inline StageStats stage(const Pipeline& p, std::string_view name) {
  const Stats s = p.stats();
  return stage(s, name);
}

}  // namespace sluice::testing
