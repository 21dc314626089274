// PipelineSpec -> Graph + RunOptions. The spec is already valid; what is left
// are warnings about keys the runtime does not enforce yet, and the graph's
// own problems() as a last line of defence.
//
// Some built-in node types are ordinary pass-through stages whose behaviour
// is given here, on the node, so that the runtime knows none of them:
//   - `rate_limit`: NodeOptions::rate_limit, from its `limiter` or its inline
//     rate / per / burst / mode / max_wait;
//   - `merge`: NodeOptions::interleave_inputs for `policy = "fair"`;
//   - `publish` / `subscribe`: a publisher becomes a stage node with one port,
//     `out`, and each subscriber a stage node fed by the edges the loader
//     added from every publisher of its topic (InputSpec::topic), each with
//     the topic's capacity and overflow policy. A subscriber of a topic with
//     no publisher is a source that ends at once.
// The `rate_limit`, `semaphore` and `circuit_breaker` keys of any stage
// become one shared RateLimiter / Semaphore / CircuitBreaker per
// [limiters.NAME] / [semaphores.NAME] / [breakers.NAME], or a new one per
// stage for an inline table.
#include <cstdint>
#include <map>
#include <memory>

#include "sluice/dsl/loader.hpp"
#include "sluice/dsl/schemas.hpp"

namespace sluice::dsl {
namespace {

void warn(std::vector<Diagnostic>& out, const Span& span, std::string message,
          std::string hint = {}) {
  out.push_back({Severity::warning, "not-enforced", span, std::move(message), std::move(hint)});
}

/// A limiter's settings (a [limiters.*] table, an inline `rate_limit` table or
/// a `rate_limit` stage's options), already validated, defaults applied.
template <typename Settings>
RateLimiter::Config limiter_config(const Settings& s) {
  RateLimiter::Config c;
  if (auto v = s.find("rate"))
    c.rate = v->kind == OptionValue::Kind::integer ? static_cast<double>(v->i) : v->f;
  if (auto v = s.find("per")) c.per = v->i;
  if (auto v = s.find("burst")) c.burst = v->i;
  if (auto v = s.find("max_wait")) c.max_wait = v->i;
  if (auto v = s.find("mode")) {
    c.mode = v->str == "drop" ? RateLimiter::Mode::drop : RateLimiter::Mode::delay;
  }
  return c;
}

sluice::OnError to_runtime(OnError e) {
  switch (e) {
    case OnError::fail:
      return sluice::OnError::fail;
    case OnError::drop:
      return sluice::OnError::drop;
    case OnError::dead_letter:
      return sluice::OnError::dead_letter;
  }
  return sluice::OnError::fail;
}

/// A breaker's settings (a [breakers.*] table or an inline one), validated,
/// defaults applied. A time window counts whole seconds.
CircuitBreaker::Config breaker_config(const OptionValue& s) {
  CircuitBreaker::Config c;
  if (auto v = s.find("failure_rate")) c.failure_rate = v->f;
  if (auto v = s.find("window")) c.window = v->i;
  if (auto v = s.find("window_time")) {
    c.window_time = (v->i + kNanosPerSecond - 1) / kNanosPerSecond * kNanosPerSecond;
  }
  if (auto v = s.find("min_calls")) c.min_calls = v->i;
  if (auto v = s.find("slow_call")) c.slow_call = v->i;
  if (auto v = s.find("slow_call_rate")) c.slow_call_rate = v->f;
  if (auto v = s.find("open_for")) c.open_for = v->i;
  if (auto v = s.find("half_open_calls")) c.half_open_calls = v->i;
  return c;
}

RetryPolicy retry_policy(const OptionValue& s) {
  RetryPolicy p;
  if (auto v = s.find("max_attempts")) p.max_attempts = v->i;
  if (auto v = s.find("initial_backoff")) p.initial_backoff = v->i;
  if (auto v = s.find("max_backoff")) p.max_backoff = v->i;
  if (auto v = s.find("multiplier")) {
    p.multiplier = v->kind == OptionValue::Kind::integer ? static_cast<double>(v->i) : v->f;
  }
  if (auto v = s.find("jitter")) {
    p.jitter = v->str == "none"           ? Jitter::none
               : v->str == "equal"        ? Jitter::equal
               : v->str == "decorrelated" ? Jitter::decorrelated
                                          : Jitter::full;
  }
  if (auto v = s.find("retry_on")) p.retry_on = v->str == "any" ? RetryOn::any : RetryOn::transient;
  if (auto v = s.find("budget")) {
    p.budget = v->kind == OptionValue::Kind::integer ? static_cast<double>(v->i) : v->f;
  }
  if (auto v = s.find("budget_reserve")) p.budget_reserve = v->i;
  if (auto v = s.find("seed")) p.seed = static_cast<std::uint64_t>(v->i);
  return p;
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

  std::map<std::string, NodeId> ids;
  for (const auto& s : spec.stages) {
    const StageType* type = registry.find(s.type, s.role != Role::source);
    if (!type || type->role != s.role) {
      r.diagnostics.push_back({Severity::error,
                               "unknown-type",
                               s.type_span,
                               "unknown stage type '" + s.type + "'",
                               {}});
      continue;
    }
    // What the node is at run time: topics turn a publisher into a stage and
    // a subscriber with publishers into a stage (fed by the topic's edges).
    Role kind = s.role;
    std::vector<std::string> ports = s.ports;
    if (type->name == "publish" && s.role == Role::sink) {
      kind = Role::stage;
      ports.insert(ports.begin(), "out");  // before its dead_letter / rejected
    } else if (type->name == "subscribe" && s.role == Role::source && !s.inputs.empty()) {
      kind = Role::stage;
    }

    if (kind == Role::source) {
      for (const char* key : {"circuit_breaker", "retry", "timeout"}) {
        if (auto it = s.common_spans.find(key); it != s.common_spans.end()) {
          warn(r.diagnostics, it->second,
               "'" + std::string(key) + "' of source '" + s.name + "' is not enforced",
               "retry, circuit_breaker and timeout wrap the calls of a stage or sink; a failing "
               "source fails the pipeline");
        }
      }
      if (s.on_error != OnError::fail) {
        warn(r.diagnostics, s.on_error_span,
             "'on_error' of source '" + s.name + "' is not enforced",
             "a failing source fails the pipeline; on_error applies to stages and sinks");
      }
      // The runtime admits the messages a node takes; a source takes none.
      for (const char* key : {"rate_limit", "semaphore"}) {
        if (auto it = s.common_spans.find(key); it != s.common_spans.end()) {
          warn(r.diagnostics, it->second,
               "'" + std::string(key) + "' of source '" + s.name + "' is not enforced",
               "limits apply to what a stage takes; put a 'rate_limit' stage after the source");
        }
      }
    }

    NodeOptions node{
        .workers = s.workers,
        .ordered = s.ordered,
        .blocking = s.blocking || type->blocking,
        .batch = s.batch.value_or(0),
        .rate_limit = nullptr,
        .semaphore = nullptr,
        .interleave_inputs = false,
        .on_error = kind != Role::source ? to_runtime(s.on_error) : sluice::OnError::fail};
    if (kind != Role::source) {
      node.fusable = type->fusable;
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
    if (type->name == "rate_limit" && s.role == Role::stage) {
      if (s.options.has("limiter")) {
        const auto it = s.option_spans.find("limiter");
        node.rate_limit = limiter_of(PolicyRef{
            s.options.get_string("limiter"), {}, it == s.option_spans.end() ? s.span : it->second});
      } else {
        node.rate_limit = std::make_shared<RateLimiter>(limiter_config(s.options), clock.now());
      }
    }
    if (type->name == "merge" && s.role == Role::stage) {
      node.interleave_inputs = s.options.get_string("policy") == "fair";
    }

    const Options options = s.options;
    switch (kind) {
      case Role::source: {
        auto make = type->make_source;
        ids[s.name] = r.graph.add_source(
            s.name, [make, options] { return make(options); }, node, ports);
        break;
      }
      case Role::stage: {
        auto make = type->make_stage;
        ids[s.name] = r.graph.add_stage(
            s.name, [make, options] { return make(options); }, node, ports);
        break;
      }
      case Role::sink: {
        auto make = type->make_sink;
        ids[s.name] = r.graph.add_sink(
            s.name, [make, options] { return make(options); }, node, ports);
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
