// fail: fault injection. A message fails, by throwing
// TransientError or PermanentError (`kind`), when `when` holds for it or, with
// `probability`, by a draw from `seed` and its seq, so a run fails the same
// messages every time, whichever worker takes them. With `attempts = N` a
// failing message fails only its first N attempts (a transient outage that
// `retry` gets through); with `attempts` alone, every message does. The
// stage's `on_error` decides what a failure does; a message that does not
// fail is passed on unchanged. A `sticky` instance breaks for good at its
// first failure, as a stage with a corrupted state would.
#include <memory>
#include <optional>

#include "builtins/builtins.hpp"
#include "builtins/expression_option.hpp"
#include "sluice/errors.hpp"
#include "splitmix.hpp"

namespace sluice::builtins {
namespace {

class Fail final : public Stage {
 public:
  explicit Fail(const Options& o)
      : probability_(o.get_double("probability")),
        seed_(static_cast<std::uint64_t>(o.get_int("seed"))),
        attempts_(o.get_int("attempts")),
        permanent_(o.get_string("kind") == "permanent"),
        sticky_(o.get_bool("sticky")) {
    if (o.has("when")) when_ = compile_expression(o, "when");
    every_ = attempts_ > 0 && !when_ && probability_ <= 0.0;
  }

  void process(Message&& m, Emitter& out, Context& ctx) override {
    SplitMix64 draw(seed_ ^ (0x9e3779b97f4a7c15ULL * (m.seq + 1)));
    const bool chosen = broken_ || every_ || (when_ && when_->test(m)) || draw.chance(probability_);
    if (chosen && (attempts_ == 0 || ctx.attempt() <= attempts_)) {
      broken_ = sticky_;
      if (permanent_) throw PermanentError("injected permanent failure");
      throw TransientError("injected transient failure");
    }
    out.emit(std::move(m));
  }

 private:
  const double probability_;
  const std::uint64_t seed_;
  const std::int64_t attempts_;
  const bool permanent_;
  const bool sticky_;
  bool broken_{false};  ///< sticky: failed once, fails everything until rebuilt
  bool every_{false};
  std::optional<expr::Expression> when_;
};

}  // namespace

StageType fail_type() {
  StageType t;
  t.name = "fail";
  t.doc =
      "fault injection: fails messages where `when` holds, with `probability` (seeded), for "
      "`attempts`";
  t.schema.options = {
      {.name = "probability",
       .type = OptionType::floating,
       .doc = "chance that a message fails, 0..1",
       .default_value = OptionValue::of(0.0),
       .min = 0,
       .max = 1},
      {.name = "seed",
       .type = OptionType::integer,
       .doc = "seed of the random draws",
       .default_value = OptionValue::of(0)},
      {.name = "when",
       .type = OptionType::expression,
       .doc = "a message fails when this holds, e.g. 'seq % 10 == 0'"},
      {.name = "attempts",
       .type = OptionType::integer,
       .doc = "a failing message fails only its first N attempts (0 = all); alone: every message",
       .default_value = OptionValue::of(0),
       .min = 0,
       .max = 1'000'000},
      {.name = "kind",
       .type = OptionType::string,
       .doc = "transient (may be retried) or permanent",
       .default_value = OptionValue::of("transient"),
       .choices = {"transient", "permanent"}},
      {.name = "sticky",
       .type = OptionType::boolean,
       .doc = "after its first failure the instance fails every message, until it is rebuilt "
              "(on_error = \"restart\")",
       .default_value = OptionValue::of(false)},
  };
  t.make = [](const Options& o) { return std::make_unique<Fail>(o); };
  return t;
}

}  // namespace sluice::builtins
