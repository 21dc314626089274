// split: one message per piece of the payload between `separator`s, each a
// copy of the original (key, priority, seq, trace_id, attrs...) with that
// piece as its payload. Empty pieces are skipped unless `keep_empty`; a
// message with nothing left is counted filtered. So `out` counts pieces and
// in = (messages split) + filtered, with out >= messages split.
#include <memory>
#include <string>
#include <string_view>

#include "builtins/bad_option.hpp"
#include "builtins/builtins.hpp"

namespace sluice::builtins {
namespace {

class Split final : public Stage {
 public:
  explicit Split(const Options& o)
      : separator_(o.get_string("separator")), keep_empty_(o.get_bool("keep_empty")) {
    if (separator_.empty()) {
      throw BadOption("separator", "'separator' must not be empty", 0,
                      "e.g. separator = \",\" (the default is a newline)");
    }
  }

  void process(Message&& m, Emitter& out, Context& ctx) override {
    const std::string payload = std::move(m.payload);
    const std::string_view text = payload;
    // The last piece reuses `m` itself; the others are copies of its other fields.
    std::size_t start = 0;
    std::string_view last;
    bool have_last = false;
    for (;;) {
      const std::size_t end = text.find(separator_, start);
      const std::string_view piece =
          text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
      if (keep_empty_ || !piece.empty()) {
        if (have_last) {
          Message copy = m;
          copy.payload.assign(last);
          out.emit(std::move(copy));
        }
        last = piece;
        have_last = true;
      }
      if (end == std::string_view::npos) break;
      start = end + separator_.size();
    }
    if (!have_last) {
      ctx.count_filtered();
      return;
    }
    m.payload.assign(last);
    out.emit(std::move(m));
  }

 private:
  const std::string separator_;
  const bool keep_empty_;
};

}  // namespace

StageType split_type() {
  StageType t;
  t.name = "split";
  t.doc =
      "one message per piece of the payload between separators; out counts pieces, "
      "filtered the messages that had none";
  t.schema.options = {
      {.name = "separator",
       .type = OptionType::string,
       .doc = "what the payload is split on (not empty)",
       .default_value = OptionValue::of("\n")},
      {.name = "keep_empty",
       .type = OptionType::boolean,
       .doc = "also emit empty pieces (between two separators, or at either end)",
       .default_value = OptionValue::of(false)},
  };
  t.make = [](const Options& o) { return std::make_unique<Split>(o); };
  return t;
}

}  // namespace sluice::builtins
