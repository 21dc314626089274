// NodeRuntime: what the instances of one stage share while a pipeline runs:
// the graph node, its input channels, its ordered-output sequencer and its
// stage-specific counters.
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/channel.hpp"
#include "runtime/instance_counters.hpp"
#include "runtime/sequencer.hpp"
#include "sluice/graph.hpp"
#include "sluice/resilience.hpp"

namespace sluice::detail {

class Instance;

struct OutEdgeRef {
  std::size_t port;
  Channel* channel;
};

struct NodeRuntime {
  const Node* node{nullptr};
  std::size_t index{0};
  std::vector<Channel*> inputs;
  std::vector<OutEdgeRef> outputs;
  std::size_t hold_limit{1024};          ///< most messages a stage may hold (Stage::held)
  std::unique_ptr<Sequencer> sequencer;  ///< ordered = true and workers > 1
  std::vector<std::unique_ptr<Instance>> instances;

  std::unique_ptr<RetryBudget> retry_budget;   ///< retry.budget > 0: shared by the instances
  std::unique_ptr<RestartIntensity> restarts;  ///< it may restart: shared by the instances
  std::atomic<std::uint64_t> failures_logged{0};
  std::atomic<std::uint64_t> expiries_logged{0};

  /// Chain fusion (RunOptions::fusion). On a chain's head: the stages
  /// after it, in order, which its instance runs in its own loop. On a fused
  /// stage: the head, and its counters, kept by the head's instance.
  std::vector<NodeRuntime*> fused;
  NodeRuntime* fused_into{nullptr};
  std::vector<const InstanceCounters*> fused_counters;  ///< one per instance of the head

  std::mutex counters_mu;
  std::map<std::string, std::uint64_t, std::less<>> counters;

  void add_counter(std::string_view name, std::uint64_t n) {
    std::lock_guard lock(counters_mu);
    auto it = counters.find(name);
    if (it == counters.end()) it = counters.emplace(std::string(name), 0).first;
    it->second += n;
  }
};

}  // namespace sluice::detail
