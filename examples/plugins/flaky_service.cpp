// flaky_service: a simulated remote call, for trying retry, circuit breaker
// and timeout settings without a real service. Two types share it:
//
//   [stages.svc]
//   type = "flaky_service"   # a stage: a call per message, passes it on
//   inputs = ["requests"]
//   latency = "2ms"        # each call takes this long
//   failure_rate = 0.2     # share of calls that fail (TransientError, like a 503)
//   seed = 7               # same seed, same failures (per instance)
//   outage_after = 0       # > 0: every call after this many fails (a service that goes down)
//
//   [stages.store]
//   type = "flaky_sink"      # a sink: a remote store that takes each message
//   inputs = ["svc"]
//   path = "stored.txt"    # optional: what the store accepted, one payload a line
//   (latency, failure_rate, seed, outage_after as above)
//
// A call waits `latency` (the types are `blocking`: they run on the I/O
// pool, not the arena), watching Context::cancelled() and
// Context::deadline(): a call past its deadline fails as transient ("timed
// out"), a cancelled one returns at once. A successful stage call passes the
// message on with attrs `served_by` (the instance) and `attempt`.
// Counters: `calls`, `failures`.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <random>
#include <sluice/plugin.hpp>
#include <span>
#include <string>
#include <thread>

namespace {

using sluice::Nanos;
using sluice::OptionType;
using sluice::OptionValue;

/// One simulated remote call per message: takes `latency`, fails as the
/// options say.
class SimulatedCall {
 public:
  explicit SimulatedCall(const sluice::Options& o)
      : latency_(o.get_duration("latency")),
        failure_rate_(o.get_double("failure_rate")),
        seed_(static_cast<std::uint64_t>(o.get_int("seed"))),
        outage_after_(static_cast<std::uint64_t>(o.get_int("outage_after"))) {}

  void open(sluice::Context& ctx) {
    // One stream of draws per instance: `workers = N` stays reproducible.
    random_.seed(seed_ + ctx.instance());
  }

  /// False when cancelled; throws TransientError when the call fails.
  bool operator()(sluice::Context& ctx) {
    ctx.add_counter("calls");
    ++calls_;
    if (!wait(ctx)) return false;
    const bool down = outage_after_ > 0 && calls_ > outage_after_;
    if (down || std::uniform_real_distribution<double>(0, 1)(random_) < failure_rate_) {
      ctx.add_counter("failures");
      throw sluice::TransientError(down ? "service down (simulated outage)"
                                        : "service unavailable (simulated 503)");
    }
    return true;
  }

 private:
  /// Sleeps `latency_` in short slices; false when cancelled first. Throws
  /// TransientError when the attempt's deadline comes first.
  bool wait(sluice::Context& ctx) const {
    constexpr Nanos kSlice = sluice::from_millis(1);
    const Nanos start = ctx.now();
    const Nanos end = start + latency_;
    for (Nanos now = start; now < end; now = ctx.now()) {
      if (ctx.cancelled()) return false;
      if (now >= ctx.deadline()) throw sluice::TransientError("timed out (simulated)");
      const Nanos nap = std::min({kSlice, end - now, ctx.deadline() - now});
      std::this_thread::sleep_for(std::chrono::nanoseconds(nap));
      if (ctx.clock().is_manual()) break;  // a test clock does not move by sleeping
    }
    return !ctx.cancelled();
  }

  Nanos latency_;
  double failure_rate_;
  std::uint64_t seed_;
  std::uint64_t outage_after_;
  std::uint64_t calls_{0};
  std::mt19937_64 random_;
};

class FlakyService final : public sluice::Stage {
 public:
  explicit FlakyService(const sluice::Options& o) : call_(o) {}

  void open(sluice::Context& ctx) override {
    call_.open(ctx);
    served_by_ = std::string(ctx.stage_name()) + "#" + std::to_string(ctx.instance());
  }

  void process(sluice::Message&& m, sluice::Emitter& out, sluice::Context& ctx) override {
    if (!call_(ctx)) return;  // cancelled: the runtime discards the attempt
    m.attrs.set("served_by", served_by_);
    m.attrs.set("attempt", std::to_string(ctx.attempt()));
    out.emit(std::move(m));
  }

 private:
  SimulatedCall call_;
  std::string served_by_;
};

/// A remote store: one call per message. Under retry, a breaker, a timeout
/// or on_error other than fail the runtime hands it one message at a time,
/// so a failed call fails only that message.
class FlakySink final : public sluice::Sink {
 public:
  explicit FlakySink(const sluice::Options& o) : call_(o), path_(o.get_string("path")) {}

  void open(sluice::Context& ctx) override {
    call_.open(ctx);
    if (path_.empty()) return;
    if (ctx.instances() > 1) path_ += "." + std::to_string(ctx.instance());
    stored_.open(path_, std::ios::trunc);
    if (!stored_) throw std::runtime_error("cannot open '" + path_ + "' for writing");
  }

  void consume(std::span<sluice::Message> batch, sluice::Context& ctx) override {
    for (const sluice::Message& m : batch) {
      if (!call_(ctx)) throw sluice::TransientError("cancelled");
      if (stored_.is_open()) stored_ << m.payload << '\n';
    }
  }

  void close(sluice::Context&) override {
    if (stored_.is_open()) stored_.flush();
  }

 private:
  SimulatedCall call_;
  std::string path_;
  std::ofstream stored_;
};

void register_types(sluice::Registry& r) {
  sluice::Schema schema{{
      {.name = "latency",
       .type = OptionType::duration,
       .doc = "time each call takes",
       .default_value = OptionValue::duration(sluice::from_millis(5)),
       .min = 0,
       .max = 60},
      {.name = "failure_rate",
       .type = OptionType::floating,
       .doc = "share of calls that fail as transient",
       .default_value = OptionValue::of(0.1),
       .min = 0,
       .max = 1},
      {.name = "seed",
       .type = OptionType::integer,
       .doc = "seed of the failure draws",
       .default_value = OptionValue::of(1),
       .min = 0},
      {.name = "outage_after",
       .type = OptionType::integer,
       .doc = "every call after this many fails; 0: never",
       .default_value = OptionValue::of(0),
       .min = 0},
  }};
  r.add({.name = "flaky_service",
         .doc = "a simulated remote call with latency and failures",
         .schema = schema,
         .blocking = true,
         .make = [](const sluice::Options& o) { return std::make_unique<FlakyService>(o); }});
  sluice::Schema sink_schema = std::move(schema);
  sink_schema.options.push_back({.name = "path",
                                 .type = OptionType::string,
                                 .doc = "file of what the store accepted; empty: none",
                                 .default_value = OptionValue::of(std::string{})});
  r.add({.name = "flaky_sink",
         .doc = "a simulated remote store with latency and failures",
         .schema = std::move(sink_schema),
         .blocking = true,
         .make = [](const sluice::Options& o) { return std::make_unique<FlakySink>(o); }});
}

}  // namespace

SLUICE_PLUGIN("flaky_service", "1.0.0", register_types)
