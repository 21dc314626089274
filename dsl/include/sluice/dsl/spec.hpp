// PipelineSpec: a pipeline file after parsing and validation, before it
// becomes a Graph. Plain data, no toml++: every key and value that a later
// step may complain about keeps its Span.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sluice/clock.hpp"
#include "sluice/dsl/diagnostic.hpp"
#include "sluice/graph.hpp"
#include "sluice/options.hpp"
#include "sluice/registry.hpp"

namespace sluice::dsl {

/// The runtime's own enum (spelt in sluice/spellings.hpp).
using sluice::OnError;

/// One entry of a stage's `inputs`: "stage", "stage.port" or an inline table.
struct InputSpec {
  std::string stage;
  std::string port;  ///< resolved: never empty after validation
  std::optional<std::size_t> capacity;
  std::optional<Overflow> overflow;
  Span span;  ///< the string (or the table's `from`); for a topic edge, the subscriber's `topic`
  /// Non-empty: an edge the topic of that name adds from a `publish` stage to a
  /// `subscribe` stage (they name no inputs in the file).
  std::string topic;
};

/// A resilience setting that names a shared object or is an inline table.
struct PolicyRef {
  std::string name;  ///< empty: inline
  OptionValue inline_value;
  Span span;
};

struct StageSpec {
  std::string name;
  std::string type;
  Role role{Role::stage};
  Span span;                                 ///< the [stages.NAME] header
  Span type_span;                            ///< the type's value
  Options options;                           ///< the type's own options, checked, with defaults
  std::map<std::string, Span> option_spans;  ///< value span of each option given
  std::vector<InputSpec> inputs;
  Span inputs_span;
  std::vector<std::string> ports;  ///< output ports: the type's, then dead_letter / rejected
  std::size_t workers{1};
  bool ordered{false};
  bool blocking{false};
  std::optional<std::size_t> batch;          ///< most messages per turn
  std::optional<std::size_t> max_in_flight;  ///< async types: calls open at once
  std::optional<std::size_t> capacity;
  std::optional<Overflow> overflow;
  OnError on_error{OnError::fail};
  Span on_error_span;
  std::optional<Nanos> timeout;
  std::optional<Nanos> deadline;  ///< a source's messages' deadline
  std::optional<PolicyRef> rate_limit;
  std::optional<PolicyRef> semaphore;
  std::optional<PolicyRef> circuit_breaker;
  std::optional<OptionValue> retry;
  std::optional<OptionValue> restart;  ///< { max_restarts, within, backoff = { initial, max } }
  std::map<std::string, Span> common_spans;  ///< span of each common key given
};

/// A named `[limiters.X]`, `[semaphores.X]`, `[breakers.X]` or `[topics.X]`.
struct SharedSpec {
  std::string name;
  OptionValue settings;  ///< a table
  Span span;
};

struct PipelineSpec {
  std::string path;  ///< as given
  std::string name;  ///< [pipeline] name, default: the file's stem
  std::optional<std::size_t> threads;
  std::size_t channel_capacity{1024};
  std::size_t batch{256};      ///< most messages a stage takes per turn
  std::size_t io_threads{64};  ///< cap of the I/O pool
  Nanos drain_timeout{10 * kNanosPerSecond};
  Nanos run_for{0};
  Nanos message_deadline{0};         ///< sources without their own `deadline` stamp this
  std::vector<std::string> plugins;  ///< resolved relative to the file
  Span plugins_span;
  std::vector<SharedSpec> limiters, semaphores, breakers, topics;
  std::vector<StageSpec> stages;  ///< in file order

  [[nodiscard]] const StageSpec* find_stage(std::string_view stage_name) const noexcept {
    for (const auto& s : stages) {
      if (s.name == stage_name) return &s;
    }
    return nullptr;
  }
};

}  // namespace sluice::dsl
