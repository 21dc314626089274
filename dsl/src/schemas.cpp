#include "sluice/dsl/schemas.hpp"

#include <string>
#include <utility>
#include <vector>

#include "sluice/policy_options.hpp"
#include "sluice/spellings.hpp"

namespace sluice::dsl {
namespace {

OptionSpec opt(std::string name, OptionType type, std::string doc,
               std::optional<OptionValue> def = std::nullopt, std::optional<double> min = {},
               std::optional<double> max = {}, std::vector<std::string> choices = {},
               bool required = false) {
  return OptionSpec{std::move(name),    type,    std::move(doc), std::move(def), min, max,
                    std::move(choices), required};
}

const std::vector<std::string> kOverflow = choices_of(kOverflowSpellings);

// Bounds a user would not mean to pass: each is far above what a machine
// uses well, and below what makes it fall over (threads and instances
// reserve memory each; an edge's buffer grows to its capacity).
constexpr double kMaxThreads = 1024;
constexpr double kMaxWorkers = 4096;
constexpr double kMaxCapacity = 1'000'000;
constexpr double kMaxWait = 24 * 3600.0;  // timeouts and deadlines, in seconds

/// "{ rate, per, burst }": the keys of an inline table of that schema.
std::string keys_of(const Schema& schema) {
  std::string out;
  for (const auto& o : schema.options) out += (out.empty() ? "{ " : ", ") + o.name;
  return out + " }";
}

}  // namespace

const Schema& pipeline_schema() {
  static const Schema s{{
      opt("name", OptionType::string, "pipeline name; default: the file's stem"),
      opt("threads", OptionType::integer, "task arena workers; 0 = all cores", {}, 0, kMaxThreads),
      opt("channel_capacity", OptionType::integer, "default capacity of every edge, in messages",
          {}, 1, kMaxCapacity),
      opt("drain_timeout", OptionType::duration, "graceful-stop budget", {}, 0, kMaxWait),
      opt("batch", OptionType::integer,
          "most messages a stage takes per turn; below it, batches follow what a stage costs",
          OptionValue::of(256), 1, 65536),
      opt("io_threads", OptionType::integer,
          "most threads for blocking stages at once (started on demand, ended when idle)",
          OptionValue::of(64), 1, 4096),
      opt("run_for", OptionType::duration, "stop gracefully after this long"),
      opt("message_deadline", OptionType::duration,
          "every source's messages must be taken by each stage within this long (a source's "
          "`deadline` overrides it)",
          {}, 1e-9, kMaxWait),
      opt("plugins", OptionType::list, "plugin libraries, relative to the file"),
  }};
  return s;
}

const Schema& common_schema() {
  static const Schema s{{
      opt("type", OptionType::string, "the stage type (`sluice list`)", {}, {}, {}, {}, true),
      opt("workers", OptionType::integer, "parallel instances", OptionValue::of(1), 1, kMaxWorkers),
      opt("ordered", OptionType::boolean, "keep input order although workers > 1",
          OptionValue::of(false)),
      opt("capacity", OptionType::integer, "capacity of this stage's input edges", {}, 1,
          kMaxCapacity),
      opt("overflow", OptionType::string, "what a full input edge does", {}, {}, {}, kOverflow),
      opt("on_error", OptionType::string, "what a failed message does", OptionValue::of("fail"), {},
          {}, choices_of(kOnErrorSpellings)),
      opt("timeout", OptionType::duration, "time limit of one attempt", {}, 1e-9, kMaxWait),
      opt("blocking", OptionType::boolean, "run on the I/O pool instead of the arena"),
      opt("batch", OptionType::integer,
          "most messages an instance takes per turn; default: [pipeline] batch", {}, 1, 65536),
      opt("deadline", OptionType::duration,
          "sources: each message must be taken by each stage within this long, else it is "
          "counted expired (and dead-lettered under on_error = dead_letter)",
          {}, 1e-9, kMaxWait),
      opt("max_in_flight", OptionType::integer,
          "async stages and sinks: calls an instance has open at once", OptionValue::of(16), 1,
          kMaxCapacity),
  }};
  return s;
}

const std::vector<std::pair<std::string, std::string>>& common_key_docs() {
  static const std::vector<std::pair<std::string, std::string>> docs = [] {
    std::vector<std::pair<std::string, std::string>> d;
    d.emplace_back("inputs",
                   "upstream outputs: \"stage\", \"stage.port\" or { from, capacity, overflow }");
    for (const auto& o : common_schema().options) d.emplace_back(o.name, o.doc);
    d.emplace_back("rate_limit", "a [limiters.*] name or " + keys_of(limiter_schema()));
    d.emplace_back("semaphore", "a [semaphores.*] name or " + keys_of(semaphore_schema()));
    d.emplace_back("circuit_breaker", "a [breakers.*] name or an inline breaker table");
    d.emplace_back("retry", keys_of(retry_schema()) + "; on a source: produce() is called again");
    d.emplace_back("restart",
                   "{ max_restarts, within, backoff = { initial, max } }: a failing source is "
                   "reopened, a stage or sink under on_error = \"restart\" rebuilt");
    return d;
  }();
  return docs;
}

const Schema& input_schema() {
  static const Schema s{{
      opt("from", OptionType::string, "\"stage\" or \"stage.port\"", {}, {}, {}, {}, true),
      opt("capacity", OptionType::integer, "capacity of this edge", {}, 1, kMaxCapacity),
      opt("overflow", OptionType::string, "what this edge does when full", {}, {}, {}, kOverflow),
  }};
  return s;
}

const Schema& limiter_schema() { return limiter_options(); }

const Schema& semaphore_schema() {
  static const Schema s{{
      opt("permits", OptionType::integer, "concurrent calls allowed", {}, 1, kMaxCapacity, {},
          true),
  }};
  return s;
}

const Schema& breaker_schema() { return breaker_options(); }

const Schema& topic_schema() {
  static const Schema s{{
      opt("capacity", OptionType::integer,
          "per-subscriber buffer, in messages; default: channel_capacity", {}, 1, kMaxCapacity),
      opt("slow_subscriber", OptionType::string,
          "what a subscriber's full buffer does (a subscriber's `overflow` overrides it)",
          OptionValue::of("block"), {}, {}, kOverflow),
  }};
  return s;
}

const Schema& retry_schema() { return retry_options(); }

Overflow parse_overflow(std::string_view s) noexcept {
  return parse_spelling(kOverflowSpellings, s, Overflow::block);
}

}  // namespace sluice::dsl
