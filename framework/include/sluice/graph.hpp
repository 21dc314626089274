// Graph: stages and the bounded edges between them, built in C++ (the DSL
// compiles TOML into the same thing). A Graph is a plain description; a
// Pipeline runs it.
//
//   sluice::Graph g;
//   auto src = g.add_source("src", [] { return std::make_unique<Numbers>(1000); });
//   auto out = g.add_sink("out", [] { return std::make_unique<Print>(); });
//   g.connect(src, out, {.capacity = 64});
//   auto result = sluice::Pipeline(std::move(g), {.threads = 2}).run();
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/limits.hpp"
#include "sluice/resilience.hpp"
#include "sluice/stage.hpp"

namespace sluice {
inline namespace v1 {

/// What an edge does when it is full. Spellings equal the TOML ones.
enum class Overflow { block, drop_newest, drop_oldest };

std::string_view to_string(Overflow o) noexcept;

struct EdgeOptions {
  std::size_t capacity{1024};  ///< in messages, >= 1
  Overflow overflow{Overflow::block};
};

/// What a message whose processing threw does (`on_error`). Spellings equal the TOML ones.
enum class OnError { fail, drop, dead_letter, restart };

/// Whether a failed message goes to the port `dead_letter`.
[[nodiscard]] constexpr bool dead_letters(OnError e) noexcept {
  return e == OnError::dead_letter || e == OnError::restart;
}

struct NodeOptions {
  std::size_t workers{1};  ///< parallel instances
  bool ordered{false};     ///< with workers > 1: emit in input order
  bool blocking{false};    ///< run on the I/O pool instead of the arena
  /// Most messages an instance takes per turn; 0 = RunOptions::batch. Below
  /// it the runtime sizes batches by what the stage costs (README, batches).
  std::size_t batch{0};
  /// A token per message before it is processed; may be shared by stages.
  std::shared_ptr<RateLimiter> rate_limit{};
  /// A permit per message while it is processed; may be shared by stages.
  std::shared_ptr<Semaphore> semaphore{};
  /// Several inputs: take one message from each in turn (`merge` policy
  /// `fair`) rather than a batch from each in turn.
  bool interleave_inputs{false};
  /// A stage's failed message: `fail` stops the pipeline, `drop` counts and
  /// skips it, `dead_letter` sends it to the port `dead_letter` (which the
  /// stage must list) with attrs error, stage and attempts. What the failed
  /// attempt emitted is discarded either way. `restart` dead-letters it
  /// and rebuilds the instance from its factory (under `restart`).
  OnError on_error{OnError::fail};
  /// Supervised restarts: of a source whose open or produce throws (it is
  /// reopened), and of a stage or sink under on_error = restart. A source
  /// restarts only when `restart_source` is set.
  RestartPolicy restart{};
  bool restart_source{false};
  /// Failed attempts are tried again after a backoff (max_attempts 1 = never).
  RetryPolicy retry{.max_attempts = 1};
  /// Asked before every attempt; while open, messages go to port `rejected`.
  std::shared_ptr<CircuitBreaker> circuit_breaker{};
  /// Time limit of one attempt (0 = none): a later result is discarded and
  /// the attempt fails as transient. Stages see it as Context::deadline().
  Nanos timeout{0};
  /// The stage is a map, a filter or an aggregate such as count: process()
  /// emits at most the message it was given, on its first port, and it asks
  /// for no timer and no stop. What it emits on close goes on through the
  /// rest of the chain. A chain of such stages joined by plain edges runs as
  /// one loop (RunOptions::fusion); each keeps its own stats.
  bool fusable{false};
  /// An async stage or sink (sluice/async.hpp): the calls an instance has
  /// open at once; more input waits.
  std::size_t max_in_flight{16};
  /// A source: each message it makes must be taken by a stage within this
  /// long (Message::deadline_ns); 0 = no deadline.
  Nanos message_deadline{0};
};

using SourceFactory = std::function<std::unique_ptr<Source>()>;
using StageFactory = std::function<std::unique_ptr<Stage>()>;
using SinkFactory = std::function<std::unique_ptr<Sink>()>;

enum class NodeKind { source, stage, sink };

struct Node {
  std::string name{};
  NodeKind kind{NodeKind::stage};
  NodeOptions options{};
  std::vector<std::string> ports{};  ///< output ports; empty for sinks
  SourceFactory make_source{};
  StageFactory make_stage{};
  SinkFactory make_sink{};
};

struct Edge {
  std::size_t from{0};
  std::size_t from_port{0};
  std::size_t to{0};
  EdgeOptions options{};
};

using NodeId = std::size_t;

class Graph {
 public:
  NodeId add_source(std::string name, SourceFactory make, NodeOptions options = {},
                    std::vector<std::string> ports = {"out"});
  NodeId add_stage(std::string name, StageFactory make, NodeOptions options = {},
                   std::vector<std::string> ports = {"out"});
  /// A sink's ports carry only what its failures divert: `dead_letter`
  /// (on_error = dead_letter) and `rejected` (a circuit breaker).
  NodeId add_sink(std::string name, SinkFactory make, NodeOptions options = {},
                  std::vector<std::string> ports = {});

  /// Joins output port `port` of `from` to `to`. Several edges from one port
  /// broadcast: each gets every message, through its own capacity and policy.
  void connect(NodeId from, std::string_view port, NodeId to, EdgeOptions options = {});
  void connect(NodeId from, NodeId to, EdgeOptions options = {}) {
    connect(from, nodes_.at(from).ports.at(0), to, options);
  }

  [[nodiscard]] const std::vector<Node>& nodes() const noexcept { return nodes_; }
  [[nodiscard]] const std::vector<Edge>& edges() const noexcept { return edges_; }

  /// Empty if the graph can run; otherwise what is wrong with it (cycles,
  /// sources with inputs, stages without, bad capacities).
  [[nodiscard]] std::vector<std::string> problems() const;

 private:
  std::vector<Node> nodes_;
  std::vector<Edge> edges_;
};

}  // namespace v1
}  // namespace sluice
