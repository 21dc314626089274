// FusedStage: a fusable stage (NodeOptions::fusable) that runs inside the
// instance of the chain's head rather than as an instance of its own. It is
// its own Context, so its logs, counters and errors carry its own name.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/instance_counters.hpp"
#include "runtime/instance_host.hpp"
#include "runtime/node_runtime.hpp"
#include "runtime/runtime_emitter.hpp"
#include "sluice/stage.hpp"

namespace sluice::detail {

class FusedStage final : public Context {
 public:
  /// Runs in instance `index` of `count` of the chain's head.
  FusedStage(InstanceHost& rt, NodeRuntime& node, std::size_t index, std::size_t count)
      : rt_(rt), node_(node), index_(index), count_(count), emitter_(&port_, &node.node->ports) {
    node.fused_counters.push_back(&counters_);
  }

  [[nodiscard]] NodeRuntime& node() noexcept { return node_; }
  [[nodiscard]] Emitter& emitter() noexcept { return emitter_; }
  /// What the stage emitted other than passing its message on: nothing
  /// from process; on close, what goes on through the rest of the chain.
  [[nodiscard]] std::vector<Message>& stray() noexcept { return port_; }
  [[nodiscard]] InstanceCounters& counters() noexcept { return counters_; }
  std::unique_ptr<Stage> stage;

  // Context
  [[nodiscard]] std::string_view stage_name() const noexcept override { return node_.node->name; }
  [[nodiscard]] std::size_t instance() const noexcept override { return index_; }
  [[nodiscard]] std::size_t instances() const noexcept override { return count_; }
  [[nodiscard]] const Clock& clock() const noexcept override { return rt_.clock(); }
  [[nodiscard]] bool cancelled() const noexcept override { return rt_.cancelled(); }
  void wake_at(Nanos) override { throw misuse("asked for a timer"); }
  void request_stop() override { throw misuse("asked to stop"); }
  void log(LogLevel level, std::string_view message) override {
    rt_.log(level, stage_name(), message);
  }
  void count_filtered(std::uint64_t n) noexcept override { bump(counters_.filtered, n); }
  void count_dropped(std::uint64_t n) noexcept override { bump(counters_.dropped, n); }
  void add_counter(std::string_view name, std::uint64_t n) override { node_.add_counter(name, n); }

  /// The error a stage gets for breaking the fusable contract.
  static std::logic_error misuse(std::string_view what) {
    return std::logic_error("a fusable stage (a map, a filter, a count) " + std::string(what) +
                            "; register its type without `fusable`");
  }

 private:
  InstanceHost& rt_;
  NodeRuntime& node_;
  std::size_t index_;
  std::size_t count_;
  std::vector<Message> port_;
  Emitter emitter_;
  InstanceCounters counters_;
};

}  // namespace sluice::detail
