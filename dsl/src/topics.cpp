#include "topics.hpp"

#include <map>
#include <string>
#include <utility>

#include "sluice/dsl/schemas.hpp"

namespace sluice::dsl::detail {

void wire_topics(LoadContext& ctx, std::vector<StageWork>& stages, const PipelineSpec& spec,
                 const Registry& registry) {
  // A topic is edges: one from every publishing stage of the topic to every
  // subscribing stage of it (StageType::publishes / subscribes), each with the topic's capacity and
  // slow_subscriber policy (a subscriber's own `capacity` / `overflow` keys
  // win), so each subscriber has its own bounded buffer.
  struct Use {
    StageWork* stage;
    Span span;
  };
  std::map<std::string, std::vector<Use>> publishers, subscribers;
  for (auto& w : stages) {
    if (!w.type) continue;
    for (const auto& [key, uses] :
         {std::pair(w.type->publishes, &publishers), std::pair(w.type->subscribes, &subscribers)}) {
      if (key.empty() || !w.spec.options.has(key)) continue;
      (*uses)[w.spec.options.get_string(key)].push_back({&w, w.spec.option_spans[key]});
    }
  }
  // The hints name the types that publish and subscribe (built-ins first).
  const StageType* publisher = nullptr;
  const StageType* subscriber = nullptr;
  for (auto it = registry.types().rbegin(); it != registry.types().rend(); ++it) {
    if (!it->publishes.empty()) publisher = &*it;
    if (!it->subscribes.empty()) subscriber = &*it;
  }
  const auto add_one = [&](const StageType* type, const std::string& topic) {
    if (type == nullptr) return std::string{};
    const std::string& key = type == publisher ? type->publishes : type->subscribes;
    return "add a stage with type = \"" + type->name + "\" and " + key + " = \"" + topic + "\"";
  };
  // With errors, an unused topic is mostly their echo (a misspelt topic).
  const bool quiet = has_errors(ctx.diags);
  for (const auto& topic : spec.topics) {
    const auto& pubs = publishers[topic.name];
    const auto& subs = subscribers[topic.name];
    if (!quiet && pubs.empty() && subs.empty()) {
      ctx.warning("unused-topic", topic.span, "topic " + quote(topic.name) + " is not used",
                  publisher == nullptr || subscriber == nullptr
                      ? std::string{}
                      : "publish to it with a " + quote(publisher->name) +
                            " stage and read it with a " + quote(subscriber->name) + " stage");
    } else if (!quiet && subs.empty()) {
      for (const auto& p : pubs) {
        ctx.warning("topic-without-subscriber", p.span,
                    "topic " + quote(topic.name) + " has no subscriber; what stage " +
                        quote(p.stage->spec.name) + " publishes is dropped",
                    add_one(subscriber, topic.name));
      }
    } else if (!quiet && pubs.empty()) {
      for (const auto& u : subs) {
        ctx.warning("topic-without-publisher", u.span,
                    "topic " + quote(topic.name) + " has no publisher; stage " +
                        quote(u.stage->spec.name) + " ends at once without a message",
                    add_one(publisher, topic.name));
      }
    }
    const OptionValue* cap = topic.settings.find("capacity");
    const OptionValue* slow = topic.settings.find("slow_subscriber");
    for (const auto& u : subs) {
      StageSpec& sub = u.stage->spec;
      for (const auto& p : pubs) {
        InputSpec in;
        in.stage = p.stage->spec.name;
        in.port = "out";  // compile gives a publisher this one port
        in.capacity =
            sub.capacity.value_or(cap ? static_cast<std::size_t>(cap->i) : spec.channel_capacity);
        in.overflow = sub.overflow.value_or(slow ? parse_overflow(slow->str) : Overflow::block);
        in.span = u.span;
        in.topic = topic.name;
        sub.inputs.push_back(std::move(in));
      }
    }
  }
}

}  // namespace sluice::dsl::detail
