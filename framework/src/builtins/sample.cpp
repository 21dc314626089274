// sample: keeps each message with probability `rate`, the others counted
// filtered: in = out + filtered. Deterministic: each instance draws from
// its own splitmix64 stream seeded with `seed` and its instance index, so
// one instance given the same input keeps the same messages in every run.
#include <cstdint>
#include <memory>

#include "builtins/builtins.hpp"

namespace sluice::builtins {
namespace {

class Sample final : public Stage {
 public:
  explicit Sample(const Options& o)
      : seed_(static_cast<std::uint64_t>(o.get_int("seed"))),
        keep_all_(o.get_double("rate") * kTwoTo64 >= kTwoTo64),
        threshold_(keep_all_ ? 0 : threshold_of(o.get_double("rate"))) {}

  void open(Context& ctx) override {
    state_ = seed_ ^ (0x632be59bd9b4e019ULL * static_cast<std::uint64_t>(ctx.instance()));
  }

  void process(Message&& m, Emitter& out, Context& ctx) override {
    if (keep_all_ || next() < threshold_) {
      out.emit(std::move(m));
    } else {
      ctx.count_filtered();
    }
  }

 private:
  static constexpr double kTwoTo64 = 18446744073709551616.0;
  // Kept when the next 64-bit draw is below rate * 2^64.
  static std::uint64_t threshold_of(double rate) {
    return rate <= 0.0 ? 0 : static_cast<std::uint64_t>(rate * kTwoTo64);
  }

  std::uint64_t next() noexcept {  // splitmix64
    std::uint64_t x = (state_ += 0x9e3779b97f4a7c15ULL);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }

  const std::uint64_t seed_;
  const bool keep_all_;
  const std::uint64_t threshold_;
  std::uint64_t state_{0};
};

}  // namespace

StageType sample_type() {
  StageType t;
  t.name = "sample";
  t.role = Role::stage;
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
  t.make_stage = [](const Options& o) { return std::make_unique<Sample>(o); };
  return t;
}

}  // namespace sluice::builtins
