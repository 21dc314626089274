// Stage types by name: what the DSL looks up, validates against and builds,
// and what `sluice list` prints. Built-ins and plugins register the same way,
// and each type says everything about itself: its options (and what they
// refer to), its factory (whose kind is its role), the checks that span
// several options or its inputs, and what it adds to its node. The DSL never
// looks at a type's name.
//
//   registry.add({.name = "upper", .doc = "upper-cases payloads",
//                 .make = [](const Options&) { return std::make_unique<Upper>(); }});
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sluice/graph.hpp"
#include "sluice/limits.hpp"
#include "sluice/options.hpp"
#include "sluice/stage.hpp"

namespace sluice {
inline namespace v1 {

/// A source takes no inputs; a stage and a sink need some. One name may be
/// registered once as a source and once as a non-source (`file`).
enum class Role { source, stage, sink };

std::string_view to_string(Role role) noexcept;

using MakeSource = std::function<std::unique_ptr<Source>(const Options&)>;
using MakeStage = std::function<std::unique_ptr<Stage>(const Options&)>;
using MakeSink = std::function<std::unique_ptr<Sink>(const Options&)>;
/// A type's factory; which one it is, is the type's role (in Role's order).
using Make = std::variant<MakeSource, MakeStage, MakeSink>;

/// The role a factory gives its type.
[[nodiscard]] inline Role role_of(const Make& make) noexcept {
  return static_cast<Role>(make.index());
}

/// One stage as a type's check hook sees it: after each option was checked on
/// its own and the stage's inputs were resolved.
struct StageView {
  std::string_view name;
  /// The options whose values passed their own checks, defaults applied.
  const Options& options;
  /// The keys written for the stage: its own options (passed or not) and the
  /// shared-policy keys (rate_limit, semaphore, circuit_breaker, retry) whose
  /// value could be read.
  std::vector<std::string> given;
  std::size_t inputs{0};  ///< inputs listed (topic subscriptions not counted)

  [[nodiscard]] bool has(std::string_view key) const noexcept {
    for (const auto& g : given) {
      if (g == key) return true;
    }
    return false;
  }
};

/// A problem a check hook finds. The DSL reports it at the key `at` names
/// (an option, or a common key such as rate_limit), or at the stage when
/// `at` is empty or not written.
struct StageProblem {
  std::string code;  ///< "bad-option", "conflicting-keys", "missing-key"
  std::string at;
  std::string message;
  std::string hint{};
};

/// What the DSL compiler hands a type's wire hook, and what the hook may
/// change: the node's options, its factory (a `publish` sink runs as a
/// pass-through stage) and its ports.
struct Wiring {
  const Options& options;
  std::size_t inputs;  ///< input edges of the node, topic edges included
  Nanos now;           ///< the time a limiter made here starts (full) at
  NodeOptions& node;
  Make& make;
  std::vector<std::string>& ports;
  /// The pipeline's [limiters.NAME]; null when undeclared (already reported).
  std::function<std::shared_ptr<RateLimiter>(const std::string& name)> limiter;
};

struct StageType {
  std::string name{};
  std::string doc{};
  Schema schema{};
  bool blocking{false};  ///< runs on the I/O pool, not the arena
  bool fusable{false};   ///< a map, a filter, a count: see NodeOptions::fusable
  /// Its stages or sinks are AsyncStage / AsyncSink: they take
  /// `max_in_flight` (sluice/async.hpp).
  bool async{false};
  /// Output ports for the given options; empty function = {"out"}. Sinks have none.
  std::function<std::vector<std::string>(const Options&)> ports{};
  /// Its factory; the alternative it holds is its role.
  Make make{};
  /// Rules across options or about the inputs; empty: none.
  std::function<std::vector<StageProblem>(const StageView&)> check{};
  /// What the type adds to its node; empty: nothing.
  std::function<void(Wiring&)> wire{};
  /// The option naming the [topics.*] entry that the stage publishes to (its
  /// messages go to every subscriber) or subscribes to (it reads what every
  /// publisher sends); empty: none.
  std::string publishes{};
  std::string subscribes{};

  [[nodiscard]] Role role() const noexcept { return role_of(make); }
  /// An instance of a type whose role the caller knows (C++ graphs, tests);
  /// throws std::logic_error for a type of another role.
  [[nodiscard]] std::unique_ptr<Source> make_source(const Options& options) const;
  [[nodiscard]] std::unique_ptr<Stage> make_stage(const Options& options) const;
  [[nodiscard]] std::unique_ptr<Sink> make_sink(const Options& options) const;
  [[nodiscard]] std::vector<std::string> output_ports(const Options& options) const;
  /// Builds an instance for these options and drops it: what the factory
  /// rejects (BadOption, or any exception) is thrown now.
  void probe(const Options& options) const;
};

class Registry {
 public:
  /// Adds a type; returns false when the name is taken for that kind of role.
  /// Throws std::invalid_argument when the type has no factory.
  bool add(StageType type);
  /// The type called `name` usable with (has_inputs) or without inputs.
  [[nodiscard]] const StageType* find(std::string_view name, bool has_inputs) const noexcept;
  /// Any type of that name (for "it exists, but as a source" messages).
  [[nodiscard]] std::vector<const StageType*> find_all(std::string_view name) const;
  [[nodiscard]] const std::vector<StageType>& types() const noexcept { return types_; }

 private:
  std::vector<StageType> types_;
};

/// Adds a node that `make` builds from `options` to `graph`: a source, stage
/// or sink as `make` is (a sink's `ports` are those its failures divert).
NodeId add_node(Graph& graph, std::string name, const Make& make, Options options,
                NodeOptions node = {}, std::vector<std::string> ports = {"out"});

/// The registry with every built-in stage type.
Registry& builtin_registry();

}  // namespace v1
}  // namespace sluice
