// stamp: sets one attribute on every message (the README's plugin).
#include <sluice/plugin.hpp>

namespace {

class Stamp final : public sluice::Stage {
 public:
  explicit Stamp(const sluice::Options& o)
      : attr_(o.get_string("attr")), value_(o.get_string("value")) {}
  void process(sluice::Message&& m, sluice::Emitter& out, sluice::Context&) override {
    m.attrs.set(attr_, value_);
    out.emit(std::move(m));
  }

 private:
  std::string attr_, value_;
};

void register_types(sluice::Registry& r) {
  sluice::Schema schema{{
      {"attr", sluice::OptionType::string, "attribute to set", sluice::OptionValue::of("stamp")},
      {.name = "value", .type = sluice::OptionType::string, .doc = "its value", .required = true},
  }};
  r.add({.name = "stamp",
         .doc = "sets an attribute on every message",
         .schema = std::move(schema),
         .fusable = true,  // a 1:1 map: may run in one loop with its neighbours
         .make = [](const sluice::Options& o) { return std::make_unique<Stamp>(o); }});
}

}  // namespace

SLUICE_PLUGIN("stamp", "1.0.0", register_types)
