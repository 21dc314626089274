// PipelineSpec -> Graph + RunOptions. The spec is already valid; what is left
// are warnings about keys the runtime does not enforce yet, and the graph's
// own problems() as a last line of defence.
#include <map>

#include "sluice/dsl/loader.hpp"

namespace sluice::dsl {
namespace {

void warn(std::vector<Diagnostic>& out, const Span& span, std::string message,
          std::string hint = {}) {
  out.push_back({Severity::warning, "not-enforced", span, std::move(message), std::move(hint)});
}

}  // namespace

CompileResult compile(const PipelineSpec& spec, const Registry& registry) {
  CompileResult r;
  r.run_options.name = spec.name;
  r.run_options.threads = spec.threads.value_or(0);
  r.run_options.drain_timeout = spec.drain_timeout;
  r.run_options.run_for = spec.run_for;
  if (!spec.plugins.empty()) {
    warn(r.diagnostics, spec.plugins_span, "plugins are not loaded yet; 'plugins' is ignored");
  }

  std::map<std::string, NodeId> ids;
  for (const auto& s : spec.stages) {
    const StageType* type = registry.find(s.type, !s.inputs.empty() || s.role != Role::source);
    if (!type || type->role != s.role) {
      r.diagnostics.push_back({Severity::error,
                               "unknown-type",
                               s.type_span,
                               "unknown stage type '" + s.type + "'",
                               {}});
      continue;
    }
    const std::string where = " of stage '" + s.name + "' is not enforced yet";
    for (const char* key : {"rate_limit", "semaphore", "circuit_breaker", "retry", "timeout"}) {
      if (auto it = s.common_spans.find(key); it != s.common_spans.end()) {
        warn(r.diagnostics, it->second, "'" + std::string(key) + "'" + where,
             "the runtime accepts it but does not apply it in this version");
      }
    }
    if (s.on_error != OnError::fail) {
      warn(r.diagnostics, s.on_error_span, "'on_error'" + where,
           "a failing message fails the pipeline in this version");
    }
    NodeOptions node{s.workers, s.ordered, s.blocking || type->blocking};
    const Options options = s.options;
    switch (s.role) {
      case Role::source: {
        auto make = type->make_source;
        ids[s.name] = r.graph.add_source(
            s.name, [make, options] { return make(options); }, node, s.ports);
        break;
      }
      case Role::stage: {
        auto make = type->make_stage;
        ids[s.name] = r.graph.add_stage(
            s.name, [make, options] { return make(options); }, node, s.ports);
        break;
      }
      case Role::sink: {
        auto make = type->make_sink;
        ids[s.name] = r.graph.add_sink(
            s.name, [make, options] { return make(options); }, node);
        break;
      }
    }
  }
  for (const auto& s : spec.stages) {
    auto to = ids.find(s.name);
    if (to == ids.end()) continue;
    for (const auto& in : s.inputs) {
      auto from = ids.find(in.stage);
      if (from == ids.end()) continue;
      EdgeOptions edge;
      edge.capacity = in.capacity.value_or(s.capacity.value_or(spec.channel_capacity));
      edge.overflow = in.overflow.value_or(s.overflow.value_or(Overflow::block));
      r.graph.connect(from->second, in.port, to->second, edge);
    }
  }
  for (auto& p : r.graph.problems()) {
    r.diagnostics.push_back({Severity::error, "graph", Span{spec.path, 0, 0}, p, {}});
  }
  return r;
}

}  // namespace sluice::dsl
