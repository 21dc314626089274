// sample: keeps each message with probability `rate`, the others counted
// filtered: in = out + filtered. Deterministic: each instance draws from
// its own splitmix64 stream seeded with `seed` and its instance index, so
// one instance given the same input keeps the same messages in every run.
#include <cstdint>
#include <memory>

#include "builtins/builtins.hpp"
#include "splitmix.hpp"

namespace sluice::builtins {
namespace {

class Sample final : public Stage {
 public:
  explicit Sample(const Options& o)
      : seed_(static_cast<std::uint64_t>(o.get_int("seed"))), rate_(o.get_double("rate")) {}

  void open(Context& ctx) override {
    random_.seed(seed_ ^ (0x632be59bd9b4e019ULL * static_cast<std::uint64_t>(ctx.instance())));
  }

  void process(Message&& m, Emitter& out, Context& ctx) override {
    if (random_.chance(rate_)) {
      out.emit(std::move(m));
    } else {
      ctx.count_filtered();
    }
  }

 private:
  const std::uint64_t seed_;
  const double rate_;
  SplitMix64 random_;
};

}  // namespace

StageType sample_type() {
  StageType t;
  t.name = "sample";
  t.doc = "keeps a `rate` fraction of messages, chosen by a seeded generator; in = out + filtered";
  t.schema.options = {
      {.name = "rate",
       .type = OptionType::floating,
       .doc = "fraction kept, 0..1",
       .min = 0,
       .max = 1,
       .required = true},
      {.name = "seed",
       .type = OptionType::integer,
       .doc = "seed of the generator; the same seed keeps the same messages",
       .default_value = OptionValue::of(0)},
  };
  t.make = [](const Options& o) { return std::make_unique<Sample>(o); };
  return t;
}

}  // namespace sluice::builtins
