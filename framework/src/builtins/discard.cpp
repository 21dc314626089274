// discard: a sink that drops everything it is given (counted as written).
#include <memory>

#include "builtins/builtins.hpp"

namespace sluice::builtins {
namespace {

class Discard final : public Sink {
 public:
  void consume(std::span<Message>, Context&) override {}
};

}  // namespace

StageType discard_type() {
  StageType t;
  t.name = "discard";
  t.doc = "drops every message (benchmarks, tests)";
  t.make = [](const Options&) { return std::make_unique<Discard>(); };
  return t;
}

}  // namespace sluice::builtins
