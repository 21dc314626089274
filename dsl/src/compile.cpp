// PipelineSpec -> Graph + RunOptions. The spec is already valid; what is left
// are warnings about keys the runtime does not enforce yet, and the graph's
// own problems() as a last line of defence.
//
// A stage type adds to its node what is its own through its wire hook
// (StageType::wire): a `rate_limit` stage its RateLimiter, a `merge` stage
// its input policy, a `publish` stage becomes a pass-through stage feeding
// its topic's edges. compile() knows no type by name.
// The `rate_limit`, `semaphore` and `circuit_breaker` keys of any stage
// become one shared RateLimiter / Semaphore / CircuitBreaker per
// [limiters.NAME] / [semaphores.NAME] / [breakers.NAME], or a new one per
// stage for an inline table.
#include <cstdint>
#include <map>
#include <memory>

#include "sluice/dsl/loader.hpp"
#include "sluice/dsl/schemas.hpp"
#include "sluice/policy_options.hpp"

namespace sluice::dsl {
namespace {

void warn(std::vector<Diagnostic>& out, const Span& span, std::string message,
          std::string hint = {}) {
  out.push_back({Severity::warning, "not-enforced", span, std::move(message), std::move(hint)});
}

std::int64_t permits_of(const OptionValue& settings) {
  const OptionValue* v = settings.find("permits");
  return v ? v->i : 1;
}

}  // namespace

CompileResult compile(const PipelineSpec& spec, const Registry& registry) {
  CompileResult r;
  r.run_options.name = spec.name;
  r.run_options.threads = spec.threads.value_or(0);
  r.run_options.drain_timeout = spec.drain_timeout;
  r.run_options.batch = spec.batch;
  r.run_options.io_threads = spec.io_threads;
  r.run_options.run_for = spec.run_for;

  // A limiter's bucket starts full when it is made. compile() has no clock
  // (RunOptions::clock is null: the steady clock); a run on another clock
  // would need it here.
  const Clock& clock = SteadyClock::instance();
  std::map<std::string, std::shared_ptr<RateLimiter>> limiters;
  for (const auto& l : spec.limiters) {
    limiters[l.name] = std::make_shared<RateLimiter>(limiter_config(l.settings), clock.now());
  }
  std::map<std::string, std::shared_ptr<Semaphore>> semaphores;
  for (const auto& s : spec.semaphores) {
    semaphores[s.name] = std::make_shared<Semaphore>(permits_of(s.settings));
  }
  std::map<std::string, std::shared_ptr<CircuitBreaker>> breakers;
  for (const auto& b : spec.breakers) {
    breakers[b.name] = std::make_shared<CircuitBreaker>(b.name, breaker_config(b.settings));
  }
  auto undeclared = [&](const Span& span, const std::string& what, const std::string& name) {
    r.diagnostics.push_back(
        {Severity::error, "undeclared-name", span, "undeclared " + what + " '" + name + "'", {}});
  };
  auto limiter_of = [&](const PolicyRef& ref) -> std::shared_ptr<RateLimiter> {
    if (ref.name.empty()) {
      return std::make_shared<RateLimiter>(limiter_config(ref.inline_value), clock.now());
    }
    auto it = limiters.find(ref.name);
    if (it == limiters.end()) {
      undeclared(ref.span, "limiter", ref.name);
      return nullptr;
    }
    return it->second;
  };

  // The hint for limits on a source names the type that limits as a node
  // (a stage whose option refers to [limiters.*]).
  std::string limiting_type;
  for (const auto& t : registry.types()) {
    for (const auto& o : t.schema.options) {
      if (o.refers_to == "limiters" && t.role() == Role::stage && limiting_type.empty()) {
        limiting_type = t.name;
      }
    }
  }

  std::map<std::string, NodeId> ids;
  for (const auto& s : spec.stages) {
    const StageType* type = registry.find(s.type, s.role != Role::source);
    if (!type || type->role() != s.role) {
      r.diagnostics.push_back({Severity::error,
                               "unknown-type",
                               s.type_span,
                               "unknown stage type '" + s.type + "'",
                               {}});
      continue;
    }
    // What the node is at run time: the type's wire hook may change its
    // factory (and so its kind), its ports and its options.
    Make make = type->make;
    std::vector<std::string> ports = s.ports;
    NodeOptions node;
    node.fusable = type->fusable;  // the hook may say no for some options (count's interval)
    if (type->wire) {
      Wiring wiring{s.options,
                    s.inputs.size(),
                    clock.now(),
                    node,
                    make,
                    ports,
                    [&](const std::string& name) -> std::shared_ptr<RateLimiter> {
                      // At the option that names it (the loader has checked that).
                      Span at = s.span;
                      for (const auto& o : type->schema.options) {
                        const auto it = s.option_spans.find(o.name);
                        if (o.refers_to == "limiters" && it != s.option_spans.end())
                          at = it->second;
                      }
                      return limiter_of(PolicyRef{name, {}, at});
                    }};
      type->wire(wiring);
    }
    const Role kind = role_of(make);

    if (kind == Role::source) {
      for (const char* key : {"circuit_breaker", "timeout"}) {
        if (auto it = s.common_spans.find(key); it != s.common_spans.end()) {
          warn(r.diagnostics, it->second,
               "'" + std::string(key) + "' of source '" + s.name + "' is not enforced",
               "circuit_breaker and timeout wrap the calls of a stage or sink; a source takes "
               "`retry` (produce is called again) and `restart` (it is reopened)");
        }
      }
      if (s.on_error != OnError::fail) {
        warn(r.diagnostics, s.on_error_span,
             "'on_error' of source '" + s.name + "' is not enforced",
             "on_error applies to stages and sinks; a failing source is retried with `retry` "
             "and reopened with `restart`, else it fails the pipeline");
      }
      // The runtime admits the messages a node takes; a source takes none.
      for (const char* key : {"rate_limit", "semaphore"}) {
        if (auto it = s.common_spans.find(key); it != s.common_spans.end()) {
          warn(r.diagnostics, it->second,
               "'" + std::string(key) + "' of source '" + s.name + "' is not enforced",
               "limits apply to what a stage takes" +
                   (limiting_type.empty()
                        ? std::string{}
                        : "; put a '" + limiting_type + "' stage after the source"));
        }
      }
    }

    node.workers = s.workers;
    node.ordered = s.ordered;
    node.blocking = s.blocking || type->blocking;
    node.batch = s.batch.value_or(0);
    if (auto it = s.common_spans.find("max_in_flight");
        it != s.common_spans.end() && !type->async) {
      r.diagnostics.push_back({Severity::error, "not-async", it->second,
                               "'max_in_flight' applies to async stage types; '" + s.type +
                                   "' makes one call at a time per instance",
                               "`workers = N` runs N instances"});
    }
    if (s.max_in_flight) node.max_in_flight = *s.max_in_flight;
    if (kind == Role::source) {
      node.message_deadline = s.deadline.value_or(spec.message_deadline);
    } else if (auto it = s.common_spans.find("deadline"); it != s.common_spans.end()) {
      warn(r.diagnostics, it->second, "'deadline' of '" + s.name + "' is not enforced",
           "a source stamps its messages' deadline; every stage after it checks it");
    }
    if (type->async && s.ordered && s.workers > 1) {
      const auto at = s.common_spans.find("workers");
      r.diagnostics.push_back({Severity::error, "ordered-async",
                               at != s.common_spans.end() ? at->second : s.span,
                               "an ordered async stage runs with one worker",
                               "max_in_flight = N makes N calls at once and keeps their order; "
                               "remove workers"});
    }
    node.on_error = kind != Role::source ? s.on_error : sluice::OnError::fail;
    if (s.restart) node.restart = restart_policy(*s.restart);
    node.restart_source = kind == Role::source && s.restart.has_value();
    if (kind == Role::source && s.retry) node.retry = retry_policy(*s.retry);
    if (kind != Role::source && s.restart && s.on_error != OnError::restart) {
      warn(r.diagnostics, s.common_spans.at("restart"),
           "'restart' of '" + s.name + "' is not enforced",
           "a stage or sink restarts under on_error = \"restart\"");
    }
    if (kind != Role::source && type->async && s.on_error == OnError::restart) {
      r.diagnostics.push_back({Severity::error, "restart-async", s.on_error_span,
                               "on_error = \"restart\" applies to synchronous stages and sinks",
                               "an async stage's calls fail one by one: use retry, "
                               "circuit_breaker and on_error = \"dead_letter\""});
    }
    if (kind != Role::source) {
      if (s.retry) node.retry = retry_policy(*s.retry);
      if (s.timeout) node.timeout = *s.timeout;
      if (s.circuit_breaker) {
        const PolicyRef& ref = *s.circuit_breaker;
        if (ref.name.empty()) {
          node.circuit_breaker =
              std::make_shared<CircuitBreaker>(s.name, breaker_config(ref.inline_value));
        } else if (auto it = breakers.find(ref.name); it != breakers.end()) {
          node.circuit_breaker = it->second;
        } else {
          undeclared(ref.span, "breaker", ref.name);
        }
      }
    }
    if (kind != Role::source) {
      if (s.rate_limit) node.rate_limit = limiter_of(*s.rate_limit);
      if (s.semaphore) {
        if (s.semaphore->name.empty()) {
          node.semaphore = std::make_shared<Semaphore>(permits_of(s.semaphore->inline_value));
        } else if (auto it = semaphores.find(s.semaphore->name); it != semaphores.end()) {
          node.semaphore = it->second;
        } else {
          undeclared(s.semaphore->span, "semaphore", s.semaphore->name);
        }
      }
    }
    ids[s.name] = add_node(r.graph, s.name, make, s.options, node, ports);
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
