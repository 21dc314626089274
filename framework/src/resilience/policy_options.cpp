// One table per policy config: each row is an option's name, type, doc and
// bounds beside the member it sets. The schema's default is read from a
// default-made config, so it cannot disagree with the struct; a row marked
// `no_default` has a member whose initial value means "none" (no time
// window, no slow calls, no budget) and shows no default.
#include "sluice/policy_options.hpp"

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sluice/spellings.hpp"

namespace sluice {
inline namespace v1 {
namespace {

template <typename Config>
struct Row {
  OptionSpec spec;
  std::function<void(Config&, const OptionValue&)> set;
  std::function<OptionValue(const Config&)> get;  ///< empty: no default
};

constexpr bool no_default = false;

// Upper bounds (durations have the schema-wide 365 days, max_of()): far above
// use, below what a slip of the keyboard makes (a window of 1e9 calls is
// memory, a rate of 1e25 a spin).
constexpr double kMaxCount = 1e9;
constexpr double kMaxCalls = 1'000'000;

double as_double(const OptionValue& v) {
  return v.kind == OptionValue::Kind::integer ? static_cast<double>(v.i) : v.f;
}

template <typename Config>
Row<Config> floating(std::string name, double Config::*member, std::string doc,
                     std::optional<double> min, std::optional<double> max, bool shown = true) {
  Row<Config> r;
  r.spec = {.name = std::move(name),
            .type = OptionType::floating,
            .doc = std::move(doc),
            .min = min,
            .max = max};
  r.set = [member](Config& c, const OptionValue& v) { c.*member = as_double(v); };
  if (shown) r.get = [member](const Config& c) { return OptionValue::of(c.*member); };
  return r;
}

template <typename Config, typename Int>
Row<Config> integer(std::string name, Int Config::*member, std::string doc,
                    std::optional<double> min, std::optional<double> max) {
  Row<Config> r;
  r.spec = {.name = std::move(name),
            .type = OptionType::integer,
            .doc = std::move(doc),
            .min = min,
            .max = max};
  r.set = [member](Config& c, const OptionValue& v) { c.*member = static_cast<Int>(v.i); };
  r.get = [member](const Config& c) {
    return OptionValue::of(static_cast<std::int64_t>(c.*member));
  };
  return r;
}

template <typename Config>
Row<Config> duration(std::string name, Nanos Config::*member, std::string doc, double min,
                     bool shown = true) {
  Row<Config> r;
  r.spec = {
      .name = std::move(name), .type = OptionType::duration, .doc = std::move(doc), .min = min};
  r.set = [member](Config& c, const OptionValue& v) { c.*member = v.i; };
  if (shown) r.get = [member](const Config& c) { return OptionValue::duration(c.*member); };
  return r;
}

template <typename Config, typename E, std::size_t N>
Row<Config> choice(std::string name, E Config::*member, const std::array<Spelling<E>, N>& names,
                   std::string doc) {
  Row<Config> r;
  r.spec = {.name = std::move(name),
            .type = OptionType::string,
            .doc = std::move(doc),
            .choices = choices_of(names)};
  r.set = [member, &names](Config& c, const OptionValue& v) {
    c.*member = parse_spelling(names, v.str, c.*member);
  };
  r.get = [member, &names](const Config& c) {
    return OptionValue::of(std::string(spelling_of(names, c.*member)));
  };
  return r;
}

template <typename Config>
Schema schema_of(const std::vector<Row<Config>>& rows) {
  Schema s;
  const Config defaults{};
  for (const auto& r : rows) {
    OptionSpec o = r.spec;
    if (r.get && !o.required) o.default_value = r.get(defaults);
    s.options.push_back(std::move(o));
  }
  return s;
}

template <typename Config, typename Settings>
Config config_of(const std::vector<Row<Config>>& rows, const Settings& settings) {
  Config c{};
  for (const auto& r : rows) {
    if (const OptionValue* v = settings.find(r.spec.name)) r.set(c, *v);
  }
  return c;
}

const std::vector<Row<RateLimiter::Config>>& limiter_rows() {
  using C = RateLimiter::Config;
  // rate = 0 is allowed (resilience reference section 1): only the `burst`
  // tokens the bucket starts with are ever granted; later messages are
  // dropped and counted, in either mode.
  static const std::vector<Row<C>> rows = [] {
    std::vector<Row<C>> r;
    r.push_back(floating("rate", &C::rate, "tokens per `per`; 0 = only the initial `burst`", 0.0,
                         kMaxCount));
    r.back().spec.required = true;
    r.push_back(duration("per", &C::per, "refill period", 1e-9));
    r.push_back(integer("burst", &C::burst, "bucket size; the bucket starts full", 1, kMaxCount));
    r.push_back(choice(
        "mode", &C::mode, kLimiterModeSpellings,
        "delay: hold a message until its token is due; drop: drop it (counted) if none is there"));
    r.push_back(
        duration("max_wait", &C::max_wait,
                 "delay mode: drop (counted) a message that would wait longer; default: no limit",
                 0, no_default));
    return r;
  }();
  return rows;
}

const std::vector<Row<CircuitBreaker::Config>>& breaker_rows() {
  using C = CircuitBreaker::Config;
  static const std::vector<Row<C>> rows = [] {
    std::vector<Row<C>> r;
    r.push_back(floating("failure_rate", &C::failure_rate,
                         "failure share (0..1] that opens the breaker", 0.001, 1.0));
    r.push_back(integer("window", &C::window, "calls in the count window", 1, kMaxCalls));
    r.push_back(duration("window_time", &C::window_time,
                         "a time window of this many whole seconds instead of a count", 1,
                         no_default));
    r.back().set = [](C& c, const OptionValue& v) {
      c.window_time = (v.i + kNanosPerSecond - 1) / kNanosPerSecond * kNanosPerSecond;
    };
    r.push_back(integer("min_calls", &C::min_calls, "calls in the window before it may open", 1,
                        kMaxCalls));
    r.push_back(duration("slow_call", &C::slow_call,
                         "a call longer than this is slow; default: none", 1e-9, no_default));
    r.push_back(floating("slow_call_rate", &C::slow_call_rate,
                         "slow share (0..1] that opens the breaker", 0.001, 1.0));
    r.push_back(duration("open_for", &C::open_for, "time open (rejecting) before probing", 1e-9));
    r.push_back(integer("half_open_calls", &C::half_open_calls,
                        "probe calls let through when half open", 1, kMaxCalls));
    return r;
  }();
  return rows;
}

const std::vector<Row<RetryPolicy>>& retry_rows() {
  using C = RetryPolicy;
  static const std::vector<Row<C>> rows = [] {
    std::vector<Row<C>> r;
    r.push_back(
        integer("max_attempts", &C::max_attempts, "attempts, counting the first", 1, kMaxCalls));
    r.push_back(
        duration("initial_backoff", &C::initial_backoff, "delay before the second attempt", 0));
    r.push_back(duration("max_backoff", &C::max_backoff, "largest delay, jitter included", 0));
    r.push_back(
        floating("multiplier", &C::multiplier, "growth of the delay per attempt", 1.0, 1000.0));
    r.push_back(choice("jitter", &C::jitter, kJitterSpellings,
                       "randomisation of delay d: none = d, full = U[0,d), equal = d/2 + "
                       "U[0,d/2), decorrelated = U[initial, 3 x previous)"));
    r.push_back(choice("retry_on", &C::retry_on, kRetryOnSpellings, "which failures are retried"));
    r.push_back(floating(
        "budget", &C::budget,
        "retries may be at most this share of calls (plus budget_reserve); default: no limit",
        0.001, 1000.0, no_default));
    r.push_back(integer("budget_reserve", &C::budget_reserve,
                        "retries the budget allows before any call", 1, kMaxCount));
    r.push_back(integer("seed", &C::seed, "seed of the jitter draws", std::nullopt, std::nullopt));
    return r;
  }();
  return rows;
}

const std::vector<Row<RestartPolicy>>& restart_rows() {
  using C = RestartPolicy;
  static const std::vector<Row<C>> rows = [] {
    std::vector<Row<C>> r;
    r.push_back(integer("max_restarts", &C::max_restarts,
                        "restarts allowed within `within`; one more fails the run", 0, kMaxCalls));
    r.push_back(duration("within", &C::within, "the period restarts are counted over", 1e-9));
    return r;
  }();
  return rows;
}

const std::vector<Row<RestartPolicy>>& restart_backoff_rows() {
  using C = RestartPolicy;
  static const std::vector<Row<C>> rows = [] {
    std::vector<Row<C>> r;
    r.push_back(duration("initial", &C::initial_backoff, "delay before the first restart", 0));
    r.push_back(duration("max", &C::max_backoff, "largest delay (it doubles per restart)", 0));
    return r;
  }();
  return rows;
}

}  // namespace

const Schema& limiter_options() {
  static const Schema s = schema_of(limiter_rows());
  return s;
}

const Schema& breaker_options() {
  static const Schema s = schema_of(breaker_rows());
  return s;
}

const Schema& retry_options() {
  static const Schema s = schema_of(retry_rows());
  return s;
}

RateLimiter::Config limiter_config(const OptionValue& settings) {
  return config_of(limiter_rows(), settings);
}

RateLimiter::Config limiter_config(const Options& settings) {
  return config_of(limiter_rows(), settings);
}

CircuitBreaker::Config breaker_config(const OptionValue& settings) {
  return config_of(breaker_rows(), settings);
}

RetryPolicy retry_policy(const OptionValue& settings) { return config_of(retry_rows(), settings); }

const Schema& restart_options() {
  static const Schema s = [] {
    Schema schema = schema_of(restart_rows());
    schema.options.push_back({.name = "backoff",
                              .type = OptionType::table,
                              .doc = "{ initial, max }: the delay before a restart"});
    return schema;
  }();
  return s;
}

const Schema& restart_backoff_options() {
  static const Schema s = schema_of(restart_backoff_rows());
  return s;
}

RestartPolicy restart_policy(const OptionValue& settings) {
  RestartPolicy p = config_of(restart_rows(), settings);
  if (const OptionValue* backoff = settings.find("backoff")) {
    const RestartPolicy b = config_of(restart_backoff_rows(), *backoff);
    p.initial_backoff = b.initial_backoff;
    p.max_backoff = b.max_backoff;
  }
  return p;
}

}  // namespace v1
}  // namespace sluice
