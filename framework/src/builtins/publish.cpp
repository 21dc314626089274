// publish: a sink that hands every message to a [topics.NAME] bus. A topic is
// not an object at run time but edges: the DSL compiler makes a `publish`
// stage (its wire hook) a pass-through node with one port, `out`, joined by an edge to every
// `subscribe` stage of the topic, each edge with the topic's capacity and
// slow_subscriber policy. So each subscriber has its own bounded buffer, and
// one that drops never holds the publisher back. With no subscriber the
// messages are counted dropped (`sluice check` warns). in = out + dropped.
#include <memory>

#include "builtins/builtins.hpp"
#include "builtins/pass_through.hpp"

namespace sluice::builtins {
namespace {

class Unsubscribed final : public Sink {
 public:
  void consume(std::span<Message> batch, Context& ctx) override { ctx.count_dropped(batch.size()); }
};

}  // namespace

StageType publish_type() {
  StageType t;
  t.name = "publish";
  t.doc =
      "sends every message to each subscriber of `topic`, through that subscriber's own bounded "
      "buffer; in = out + dropped (no subscriber)";
  t.schema.options = {
      {.name = "topic", .type = OptionType::string, .doc = "a [topics.*] name", .required = true},
  };
  t.schema.options.front().refers_to = "topics";
  t.publishes = "topic";
  // As a plain sink (a graph built from C++, where no topic joins it to
  // anything) it drops and counts; in a pipeline it is a pass-through stage
  // whose port `out` (before its dead_letter / rejected) feeds the topic's edges.
  t.make = [](const Options&) { return std::make_unique<Unsubscribed>(); };
  t.wire = [](Wiring& w) {
    w.make = [](const Options&) { return std::make_unique<PassThrough>(); };
    w.ports.insert(w.ports.begin(), "out");
  };
  return t;
}

}  // namespace sluice::builtins
