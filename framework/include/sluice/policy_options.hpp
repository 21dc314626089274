// The options of the policies a pipeline file declares ([limiters.*],
// [breakers.*], `retry`, SPEC 4) and the C++ configs they make. Both come
// from one table per config struct (policy_options.cpp): a schema's option
// names, types and bounds sit next to the member they set, and its defaults
// are read from the struct's own initialisers, so that a breaker from TOML
// and one from C++ start alike.
//
//   auto config = sluice::breaker_config(settings);  // settings: checked options
#pragma once

#include "sluice/limits.hpp"
#include "sluice/options.hpp"
#include "sluice/resilience.hpp"

namespace sluice {
inline namespace v1 {

/// rate, per, burst, mode, max_wait (rate required).
const Schema& limiter_options();
/// failure_rate, window, window_time, min_calls, slow_call, slow_call_rate,
/// open_for, half_open_calls.
const Schema& breaker_options();
/// max_attempts, initial_backoff, max_backoff, multiplier, jitter, retry_on,
/// budget, budget_reserve, seed.
const Schema& retry_options();

/// max_restarts, within, backoff (a table of restart_backoff_options()).
const Schema& restart_options();
/// initial, max.
const Schema& restart_backoff_options();

/// Configs from settings already checked against those schemas (a table
/// value, or a stage's Options): absent keys keep the struct's defaults.
RateLimiter::Config limiter_config(const OptionValue& settings);
RateLimiter::Config limiter_config(const Options& settings);
/// A time window counts whole seconds (rounded up).
CircuitBreaker::Config breaker_config(const OptionValue& settings);
RetryPolicy retry_policy(const OptionValue& settings);
RestartPolicy restart_policy(const OptionValue& settings);

}  // namespace v1
}  // namespace sluice
