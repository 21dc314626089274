// gate: passes messages while `open` holds. The first message for which it
// does not shuts the gate for good: that message and every later one are
// counted filtered, and (with `stop`, the default) the gate asks the runtime
// to stop it, as `take` does, so that a producer nobody else consumes stops
// too. "Read the log up to the first shutdown line" is
// `open = '.event != "shutdown"'`. in = out + filtered.
// With `workers = N` the instances share the gate (which message shuts it
// first is then a race among those in flight).
//
// With `open_when` instead of `open` the gate is opened and closed by the
// messages of a second input (control_gate.cpp).
#include <fmt/format.h>

#include <atomic>
#include <memory>
#include <vector>

#include "builtins/builtins.hpp"
#include "builtins/control_gate.hpp"
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

std::vector<StageProblem> check_mode(const StageView& v) {
  std::vector<StageProblem> problems;
  const bool control = v.has("open_when");
  if (control == v.has("open")) {
    problems.push_back({"conflicting-keys", control ? "open" : "",
                        control ? "a gate takes `open` or `open_when`, not both"
                                : "a gate needs `open` (per message) or `open_when` (a control "
                                  "input)",
                        "`open` shuts it for good at the first message that fails it; "
                        "`open_when` opens it when a control message matches"});
  }
  if (control && v.inputs != 2) {
    problems.push_back({"bad-option", "open_when",
                        fmt::format("a gate with `open_when` takes two inputs, [data, control]; "
                                    "it has {}",
                                    v.inputs),
                        "inputs = [\"events\", \"loader\"]: the second opens and closes it"});
  }
  for (const char* key : {"close_when", "initially"}) {
    if (!control && v.has(key)) {
      problems.push_back(
          {"bad-option", key, fmt::format("`{}` applies to a gate with `open_when`", key), ""});
    }
  }
  return problems;
}

}  // namespace

StageType gate_type() {
  StageType t;
  t.name = "gate";
  t.doc =
      "passes messages while `open` holds, the first that fails it shutting the gate for good "
      "(and stopping upstream, like take); or, with `open_when`, holds its first input until a "
      "message on its second (control) input opens it; in = out + filtered";
  t.schema.options = {
      {.name = "open",
       .type = OptionType::expression,
       .doc = "the gate stays open while true, e.g. '.event != \"shutdown\"'"},
      {.name = "stop",
       .type = OptionType::boolean,
       .doc = "once shut, stop everything upstream that has no other consumer (else count the "
              "rest filtered)",
       .default_value = OptionValue::of(true)},
      {.name = "open_when",
       .type = OptionType::expression,
       .doc = "control mode: a message on the second input for which this holds opens the gate, "
              "e.g. '.event == \"loaded\"'"},
      {.name = "close_when",
       .type = OptionType::expression,
       .doc = "control mode: a control message for which this holds closes it again"},
      {.name = "initially",
       .type = OptionType::string,
       .doc = "control mode: the gate's state at start",
       .default_value = OptionValue::of("closed"),
       .choices = {"closed", "open"}},
  };
  t.check = check_mode;
  t.make = [](const Options& o) -> std::unique_ptr<Stage> {
    if (o.has("open_when")) return make_control_gate(o);
    return std::make_unique<Gate>(o);
  };
  return t;
}

}  // namespace sluice::builtins
