// filter: keeps the messages for which `condition` holds; the others are
// counted as filtered.
#include <memory>

#include "builtins/builtins.hpp"
#include "builtins/expression_option.hpp"

namespace sluice::builtins {
namespace {

class Filter final : public Stage {
 public:
  explicit Filter(const Options& o) : condition_(compile_expression(o, "condition")) {}
  void process(Message&& m, Emitter& out, Context& ctx) override {
    if (condition_.test(m)) {
      out.emit(std::move(m));
    } else {
      ctx.count_filtered();
    }
  }

 private:
  const expr::Expression condition_;
};

}  // namespace

StageType filter_type() {
  StageType t;
  t.name = "filter";
  t.doc = "keeps messages where `condition` holds";
  t.fusable = true;
  t.schema.options = {
      {.name = "condition",
       .type = OptionType::expression,
       .doc = "kept when true, e.g. '.status >= 500'",
       .required = true},
  };
  t.make = [](const Options& o) { return std::make_unique<Filter>(o); };
  return t;
}

}  // namespace sluice::builtins
