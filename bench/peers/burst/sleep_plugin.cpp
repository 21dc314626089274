// sleep: a blocking call of a duration computed per message, for the burst
// benchmark (bench/shapes.sh, burst_toml). Neither `work` (it spins on the
// CPU) nor examples/plugins/flaky_service (one `latency` for every call)
// gives calls of different lengths; a Go worker pool runs the same
// durations with time.Sleep (bench/peers/burst/go/main.go).
//
//   [stages.call]
//   type = "sleep"
//   inputs = ["src"]
//   micros = '1000 + (seq * 7919) % 9001'   # an expression, per message
//   workers = 8
//
// Built by bench/compare.sh (target bench_peers) into
// build/release/bench/peers/bench_sleep.so; load it with --plugin.
#include <chrono>
#include <memory>
#include <sluice/expression.hpp>
#include <sluice/plugin.hpp>
#include <thread>

namespace {

class Sleep final : public sluice::Stage {
 public:
  explicit Sleep(const sluice::Options& o)
      : micros_(sluice::Expression::compile(o.get_string("micros"))) {}

  void process(sluice::Message&& m, sluice::Emitter& out, sluice::Context& ctx) override {
    // One uninterrupted sleep, as a synchronous client library waits on its
    // socket: a call of at most a few ms is not worth cancelling.
    std::this_thread::sleep_for(std::chrono::microseconds(micros_.eval_int(m)));
    ctx.add_counter("calls");
    out.emit(std::move(m));
  }

 private:
  const sluice::Expression micros_;
};

void register_types(sluice::Registry& r) {
  r.add({.name = "sleep",
         .doc = "a blocking call that sleeps `micros` per message (benchmarks)",
         .schema = {{
             {.name = "micros",
              .type = sluice::OptionType::expression,
              .doc = "microseconds to sleep, e.g. '1000 + seq % 9001'",
              .required = true},
         }},
         .blocking = true,
         .make = [](const sluice::Options& o) { return std::make_unique<Sleep>(o); }});
}

}  // namespace

SLUICE_PLUGIN("bench_sleep", "1.0.0", register_types)
