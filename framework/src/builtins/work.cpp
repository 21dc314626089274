// work: burns `micros` of CPU per message, then passes it on (benchmarks).
#include <memory>

#include "builtins/builtins.hpp"

namespace sluice::builtins {
namespace {

class Work final : public Stage {
 public:
  explicit Work(const Options& o) : cost_(from_micros(o.get_int("micros"))) {}
  void process(Message&& m, Emitter& out, Context&) override {
    // Real CPU work on purpose, timed on the steady clock whatever the
    // pipeline's clock is: this stage stands in for a computation.
    const Nanos end = SteadyClock::instance().now() + cost_;
    std::uint64_t x = static_cast<std::uint64_t>(m.value);
    while (SteadyClock::instance().now() < end) x = x * 6364136223846793005ULL + 1;
    sink_ ^= x;
    out.emit(std::move(m));
  }

 private:
  const Nanos cost_;
  std::uint64_t sink_{0};
};

}  // namespace

StageType work_type() {
  StageType t;
  t.name = "work";
  t.doc = "burns CPU for `micros` per message, then passes it on";
  t.schema.options = {
      {.name = "micros",
       .type = OptionType::integer,
       .doc = "microseconds of CPU per message",
       .default_value = OptionValue::of(1),
       .min = 0,
       .max = 10'000'000},
  };
  t.make = [](const Options& o) { return std::make_unique<Work>(o); };
  return t;
}

}  // namespace sluice::builtins
