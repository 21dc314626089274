// fail: fault injection (SPEC section 3). A message fails, by throwing
// TransientError or PermanentError (`kind`), when `when` holds for it or, with
// `probability`, at random from a generator seeded with `seed` (and the
// instance index), so a run fails the same messages every time. The stage's
// `on_error` decides what a failure does; a message that does not fail is
// passed on unchanged.
#include <memory>
#include <optional>

#include "builtins/builtins.hpp"
#include "builtins/expression_option.hpp"
#include "builtins/splitmix.hpp"
#include "sluice/errors.hpp"

namespace sluice::builtins {
namespace {

class Fail final : public Stage {
 public:
  explicit Fail(const Options& o)
      : probability_(o.get_double("probability")),
        seed_(static_cast<std::uint64_t>(o.get_int("seed"))),
        permanent_(o.get_string("kind") == "permanent") {
    if (o.has("when")) when_ = compile_expression(o, "when");
  }

  void open(Context& ctx) override {
    random_.seed(seed_ ^ (0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(ctx.instance())));
  }

  void process(Message&& m, Emitter& out, Context&) override {
    const bool fails = (when_ && when_->test(m)) || random_.chance(probability_);
    if (fails) {
      if (permanent_) throw PermanentError("injected permanent failure");
      throw TransientError("injected transient failure");
    }
    out.emit(std::move(m));
  }

 private:
  const double probability_;
  const std::uint64_t seed_;
  const bool permanent_;
  std::optional<expr::Expression> when_;
  SplitMix64 random_;
};

}  // namespace

StageType fail_type() {
  StageType t;
  t.name = "fail";
  t.role = Role::stage;
  t.doc = "fault injection: fails messages where `when` holds or with `probability` (seeded)";
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
      {.name = "kind",
       .type = OptionType::string,
       .doc = "transient (may be retried) or permanent",
       .default_value = OptionValue::of("transient"),
       .choices = {"transient", "permanent"}},
  };
  t.make_stage = [](const Options& o) { return std::make_unique<Fail>(o); };
  return t;
}

}  // namespace sluice::builtins
