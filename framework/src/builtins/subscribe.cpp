// subscribe: a source that reads a [topics.NAME] bus. The DSL compiler makes
// it a pass-through node whose inputs are edges from every `publish` stage of
// the topic, each with the topic's `capacity` and `slow_subscriber` policy (or
// this stage's own `capacity` / `overflow`), so this subscriber's buffer is
// its own. All subscribers exist from the start, so each gets every message.
// A topic with no publisher makes it a source that ends at once (`sluice
// check` warns). in = out.
#include <memory>

#include "builtins/builtins.hpp"
#include "builtins/pass_through.hpp"

namespace sluice::builtins {

StageType subscribe_type() {
  StageType t;
  t.name = "subscribe";
  t.doc =
      "every message published to `topic`, through its own bounded buffer (the topic's "
      "`slow_subscriber` policy, or this stage's `overflow`); in = out";
  t.schema.options = {
      {.name = "topic", .type = OptionType::string, .doc = "a [topics.*] name", .required = true},
  };
  t.schema.options.front().refers_to = "topics";
  t.subscribes = "topic";
  // A subscriber with publishers is fed by the topic's edges: a pass-through
  // stage. Without any it ends at once.
  t.make = [](const Options&) { return std::make_unique<EmptySource>(); };
  t.wire = [](Wiring& w) {
    if (w.inputs > 0) w.make = [](const Options&) { return std::make_unique<PassThrough>(); };
  };
  return t;
}

}  // namespace sluice::builtins
