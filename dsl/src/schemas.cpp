#include "sluice/dsl/schemas.hpp"

#include <string>
#include <utility>
#include <vector>

namespace sluice::dsl {
namespace {

OptionSpec opt(std::string name, OptionType type, std::string doc,
               std::optional<OptionValue> def = std::nullopt, std::optional<double> min = {},
               std::optional<double> max = {}, std::vector<std::string> choices = {},
               bool required = false) {
  return OptionSpec{std::move(name),    type,    std::move(doc), std::move(def), min, max,
                    std::move(choices), required};
}

const std::vector<std::string> kOverflow = {"block", "drop_newest", "drop_oldest"};

}  // namespace

const Schema& pipeline_schema() {
  static const Schema s{{
      opt("name", OptionType::string, "pipeline name; default: the file's stem"),
      opt("threads", OptionType::integer, "task arena workers; 0 = all cores", {}, 0),
      opt("channel_capacity", OptionType::integer, "default capacity of every edge, in messages",
          {}, 1),
      opt("drain_timeout", OptionType::duration, "graceful-stop budget"),
      opt("batch", OptionType::integer,
          "most messages a stage takes per turn; below it, batches follow what a stage costs",
          OptionValue::of(256), 1, 65536),
      opt("io_threads", OptionType::integer,
          "most threads for blocking stages at once (started on demand, ended when idle)",
          OptionValue::of(64), 1, 4096),
      opt("run_for", OptionType::duration, "stop gracefully after this long"),
      opt("plugins", OptionType::list, "plugin libraries, relative to the file"),
  }};
  return s;
}

const Schema& common_schema() {
  static const Schema s{{
      opt("type", OptionType::string, "the stage type (`sluice list`)", {}, {}, {}, {}, true),
      opt("workers", OptionType::integer, "parallel instances", OptionValue::of(1), 1),
      opt("ordered", OptionType::boolean, "keep input order although workers > 1",
          OptionValue::of(false)),
      opt("capacity", OptionType::integer, "capacity of this stage's input edges", {}, 1),
      opt("overflow", OptionType::string, "what a full input edge does", {}, {}, {}, kOverflow),
      opt("on_error", OptionType::string, "what a failed message does", OptionValue::of("fail"), {},
          {}, {"fail", "drop", "dead_letter"}),
      opt("timeout", OptionType::duration, "time limit of one attempt", {}, 1e-9),
      opt("blocking", OptionType::boolean, "run on the I/O pool instead of the arena"),
      opt("batch", OptionType::integer,
          "most messages an instance takes per turn; default: [pipeline] batch", {}, 1, 65536),
  }};
  return s;
}

const std::vector<std::pair<std::string, std::string>>& common_key_docs() {
  static const std::vector<std::pair<std::string, std::string>> docs = [] {
    std::vector<std::pair<std::string, std::string>> d;
    d.emplace_back("inputs",
                   "upstream outputs: \"stage\", \"stage.port\" or { from, capacity, overflow }");
    for (const auto& o : common_schema().options) d.emplace_back(o.name, o.doc);
    d.emplace_back("rate_limit", "a [limiters.*] name or { rate, per, burst, mode, max_wait }");
    d.emplace_back("semaphore", "a [semaphores.*] name or { permits }");
    d.emplace_back("circuit_breaker", "a [breakers.*] name or an inline breaker table");
    d.emplace_back("retry",
                   "{ max_attempts, initial_backoff, max_backoff, multiplier, jitter, retry_on, "
                   "budget }");
    return d;
  }();
  return docs;
}

const Schema& input_schema() {
  static const Schema s{{
      opt("from", OptionType::string, "\"stage\" or \"stage.port\"", {}, {}, {}, {}, true),
      opt("capacity", OptionType::integer, "capacity of this edge", {}, 1),
      opt("overflow", OptionType::string, "what this edge does when full", {}, {}, {}, kOverflow),
  }};
  return s;
}

const Schema& limiter_schema() {
  // rate = 0 is allowed (resilience reference section 1): only the `burst`
  // tokens the bucket starts with are ever granted; later messages are
  // dropped and counted, in either mode.
  static const Schema s{{
      opt("rate", OptionType::floating, "tokens per `per`; 0 = only the initial `burst`", {}, 0, {},
          {}, true),
      opt("per", OptionType::duration, "refill period", OptionValue::duration(kNanosPerSecond),
          1e-9),
      opt("burst", OptionType::integer, "bucket size; the bucket starts full", OptionValue::of(1),
          1),
      opt("mode", OptionType::string,
          "delay: hold a message until its token is due; drop: drop it (counted) if none is there",
          OptionValue::of("delay"), {}, {}, {"delay", "drop"}),
      opt("max_wait", OptionType::duration,
          "delay mode: drop (counted) a message that would wait longer; default: no limit", {}, 0),
  }};
  return s;
}

const Schema& semaphore_schema() {
  static const Schema s{{
      opt("permits", OptionType::integer, "concurrent calls allowed", {}, 1, {}, {}, true),
  }};
  return s;
}

const Schema& breaker_schema() {
  // Defaults are resilience4j's, but for open_for (5 s rather than 60 s:
  // a pipeline's calls are many and short).
  static const Schema s{{
      opt("failure_rate", OptionType::floating, "failure share (0..1] that opens the breaker",
          OptionValue::of(0.5), 0.001, 1),
      opt("window", OptionType::integer, "calls in the count window", OptionValue::of(100), 1),
      opt("window_time", OptionType::duration,
          "a time window of this many whole seconds instead of a count", {}, 1),
      opt("min_calls", OptionType::integer, "calls in the window before it may open",
          OptionValue::of(20), 1),
      opt("slow_call", OptionType::duration, "a call longer than this is slow; default: none", {},
          1e-9),
      opt("slow_call_rate", OptionType::floating, "slow share (0..1] that opens the breaker",
          OptionValue::of(1.0), 0.001, 1),
      opt("open_for", OptionType::duration, "time open (rejecting) before probing",
          OptionValue::duration(5 * kNanosPerSecond), 1e-9),
      opt("half_open_calls", OptionType::integer, "probe calls let through when half open",
          OptionValue::of(3), 1),
  }};
  return s;
}

const Schema& topic_schema() {
  static const Schema s{{
      opt("capacity", OptionType::integer,
          "per-subscriber buffer, in messages; default: channel_capacity", {}, 1),
      opt("slow_subscriber", OptionType::string,
          "what a subscriber's full buffer does (a subscriber's `overflow` overrides it)",
          OptionValue::of("block"), {}, {}, kOverflow),
  }};
  return s;
}

const Schema& retry_schema() {
  static const Schema s{{
      opt("max_attempts", OptionType::integer, "attempts, counting the first", OptionValue::of(3),
          1),
      opt("initial_backoff", OptionType::duration, "delay before the second attempt",
          OptionValue::duration(100'000'000), 0),
      opt("max_backoff", OptionType::duration, "largest delay, jitter included",
          OptionValue::duration(10 * kNanosPerSecond), 0),
      opt("multiplier", OptionType::floating, "growth of the delay per attempt",
          OptionValue::of(2.0), 1),
      opt("jitter", OptionType::string,
          "randomisation of delay d: none = d, full = U[0,d), equal = d/2 + U[0,d/2), "
          "decorrelated = U[initial, 3 x previous)",
          OptionValue::of("full"), {}, {}, {"none", "full", "equal", "decorrelated"}),
      opt("retry_on", OptionType::string, "which failures are retried",
          OptionValue::of("transient"), {}, {}, {"transient", "any"}),
      opt("budget", OptionType::floating,
          "retries may be at most this share of calls (plus budget_reserve); default: no limit", {},
          0.001, 1000),
      opt("budget_reserve", OptionType::integer, "retries the budget allows before any call",
          OptionValue::of(10), 1),
      opt("seed", OptionType::integer, "seed of the jitter draws", OptionValue::of(0)),
  }};
  return s;
}

Overflow parse_overflow(std::string_view s) noexcept {
  if (s == "drop_newest") return Overflow::drop_newest;
  if (s == "drop_oldest") return Overflow::drop_oldest;
  return Overflow::block;
}

}  // namespace sluice::dsl
