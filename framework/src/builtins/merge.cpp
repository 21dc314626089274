// merge: fan-in of its inputs. Any stage with several inputs merges them; a
// `merge` stage only says how. The stage itself passes messages through; its
// wire hook sets NodeOptions::interleave_inputs for `policy = "fair"`, so
// the runtime takes one message from each input that has data in turn (a busy
// input cannot starve a quiet one); `arrival` takes whole batches from the
// inputs in turn, as they come. One message out per message in: in = out.
#include <memory>

#include "builtins/builtins.hpp"
#include "builtins/pass_through.hpp"

namespace sluice::builtins {

StageType merge_type() {
  StageType t;
  t.name = "merge";
  t.doc =
      "fan-in of its inputs: `fair` takes one message from each input with data in turn, "
      "`arrival` batches as they come; in = out";
  t.schema.options = {
      {.name = "policy",
       .type = OptionType::string,
       .doc = "fair: one message from each input in turn; arrival: batches as they come",
       .default_value = OptionValue::of("fair"),
       .choices = {"fair", "arrival"}},
  };
  t.make = [](const Options&) { return std::make_unique<PassThrough>(); };
  t.wire = [](Wiring& w) { w.node.interleave_inputs = w.options.get_string("policy") == "fair"; };
  return t;
}

}  // namespace sluice::builtins
