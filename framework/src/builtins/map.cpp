// map: sets payload, key, priority, trace_id and attrs.* from templates;
// fields not given are left as they are. With no option at all it passes
// messages on.
#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "builtins/bad_option.hpp"
#include "builtins/builtins.hpp"
#include "builtins/template_option.hpp"
#include "trace_id.hpp"

namespace sluice::builtins {
namespace {

std::optional<expr::Template> optional_template(const Options& o, std::string_view name) {
  if (!o.has(name)) return std::nullopt;
  return compile_template(o, name);
}

class Map final : public Stage {
 public:
  explicit Map(const Options& o)
      : payload_(optional_template(o, "payload")),
        key_(optional_template(o, "key")),
        priority_(optional_template(o, "priority")),
        trace_id_(optional_template(o, "trace_id")) {
    if (const OptionValue* attrs = o.find("attrs")) {
      for (const auto& [name, value] : attrs->table) {
        const std::string option = "attrs." + name;
        if (value.kind != OptionValue::Kind::string) {
          throw BadOption(option, "'" + option + "' must be a template string, not " +
                                      std::string(kind_name(value.kind)));
        }
        attrs_.emplace_back(name, compile_template(value.str, option));
      }
    }
  }

  void process(Message&& m, Emitter& out, Context&) override {
    // Every template sees the message as it came in, so `key = "{payload}"`
    // and `payload = "{key}"` swap rather than copy.
    if (payload_ || key_ || priority_ || trace_id_ || !attrs_.empty()) {
      std::string payload, key, priority, trace_id;
      if (payload_) {
        // One allocation of about the right size, not a few growing ones:
        // the documents a template makes are much alike in length.
        payload.reserve(payload_size_);
        payload_->render(m, payload);
        payload_size_ = std::max(payload_size_, payload.size());
      }
      if (key_) key_->render(m, key);
      if (priority_) priority_->render(m, priority);
      if (trace_id_) trace_id_->render(m, trace_id);
      std::vector<std::string> attrs(attrs_.size());
      for (std::size_t i = 0; i < attrs_.size(); ++i) attrs_[i].second.render(m, attrs[i]);
      if (payload_) m.payload = std::move(payload);
      if (key_) m.key = std::move(key);
      if (priority_)
        std::from_chars(priority.data(), priority.data() + priority.size(), m.priority);
      // What spells no id (an empty attribute) keeps the one the message has.
      if (trace_id_) m.trace_id = parse_trace_id(trace_id).value_or(m.trace_id);
      for (std::size_t i = 0; i < attrs_.size(); ++i)
        m.attrs.set(attrs_[i].first, std::move(attrs[i]));
    }
    out.emit(std::move(m));
  }

 private:
  const std::optional<expr::Template> payload_, key_, priority_, trace_id_;
  std::size_t payload_size_{0};  ///< the longest payload made so far
  std::vector<std::pair<std::string, expr::Template>> attrs_;
};

}  // namespace

StageType map_type() {
  StageType t;
  t.name = "map";
  t.doc = "sets payload, key, priority, trace_id and attrs.* from templates";
  t.fusable = true;
  t.schema.options = {
      {.name = "payload", .type = OptionType::template_, .doc = "new payload"},
      {.name = "key", .type = OptionType::template_, .doc = "new key"},
      {.name = "priority", .type = OptionType::template_, .doc = "new priority (an integer)"},
      {.name = "trace_id",
       .type = OptionType::template_,
       .doc = "new trace id: decimal, hex or a W3C traceparent, kept to its low 53 bits; "
              "text that spells no id (or 0) keeps the old one"},
      {.name = "attrs", .type = OptionType::table, .doc = "attributes to set: { NAME = template }"},
  };
  t.make = [](const Options& o) { return std::make_unique<Map>(o); };
  return t;
}

}  // namespace sluice::builtins
