// gate: passes messages while `open` holds. The first message for which it
// does not shuts the gate for good: that message and every later one are
// counted filtered, and (with `stop`, the default) the gate asks the runtime
// to stop it, as `take` does, so that a producer nobody else consumes stops
// too. "Read the log up to the first shutdown line" is
// `open = '.event != "shutdown"'`. in = out + filtered.
// With `workers = N` the instances share the gate (which message shuts it
// first is then a race among those in flight).
#include <atomic>
#include <memory>

#include "builtins/builtins.hpp"
#include "builtins/expression_option.hpp"
#include "builtins/node_state.hpp"

namespace sluice::builtins {
namespace {

class Gate final : public Stage {
 public:
  explicit Gate(const Options& o)
      : node_key_(&o), open_(compile_expression(o, "open")), stop_(o.get_bool("stop")) {}

  void open(Context& ctx) override {
    shut_ = node_state<std::atomic<bool>>(
        node_key_, ctx, [] { return std::make_shared<std::atomic<bool>>(false); });
  }

  void process(Message&& m, Emitter& out, Context& ctx) override {
    if (!shut_->load(std::memory_order_relaxed) && open_.test(m)) {
      out.emit(std::move(m));
      return;
    }
    ctx.count_filtered();
    if (!shut_->exchange(true, std::memory_order_relaxed) && stop_) ctx.request_stop();
  }

 private:
  const void* const node_key_;  // finds the gate shared with the other instances
  const expr::Expression open_;
  const bool stop_;
  std::shared_ptr<std::atomic<bool>> shut_;
};

}  // namespace

StageType gate_type() {
  StageType t;
  t.name = "gate";
  t.doc =
      "passes messages while `open` holds; the first that fails it shuts the gate for good "
      "(and stops upstream, like take); in = out + filtered";
  t.schema.options = {
      {.name = "open",
       .type = OptionType::expression,
       .doc = "the gate stays open while true, e.g. '.event != \"shutdown\"'",
       .required = true},
      {.name = "stop",
       .type = OptionType::boolean,
       .doc = "once shut, stop everything upstream that has no other consumer (else count the "
              "rest filtered)",
       .default_value = OptionValue::of(true)},
  };
  t.make = [](const Options& o) { return std::make_unique<Gate>(o); };
  return t;
}

}  // namespace sluice::builtins
