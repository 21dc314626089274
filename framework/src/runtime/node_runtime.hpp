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
#include <vector>

#include "runtime/channel.hpp"
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

  std::unique_ptr<RetryBudget> retry_budget;  ///< retry.budget > 0: shared by the instances
  std::atomic<std::uint64_t> failures_logged{0};

  std::mutex counters_mu;
  std::map<std::string, std::uint64_t, std::less<>> counters;
};

}  // namespace sluice::detail
