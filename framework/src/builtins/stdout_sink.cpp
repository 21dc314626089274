// stdout: a sink that prints each message as one line (payload or JSON).
#include <cstdio>
#include <memory>

#include "builtins/builtins.hpp"
#include "builtins/line_writer.hpp"

namespace sluice::builtins {
namespace {

class Stdout final : public Sink {
 public:
  explicit Stdout(const Options& o) : format_(parse_line_format(o.get_string("format"))) {}
  void consume(std::span<Message> batch, Context&) override {
    write_lines(stdout, batch, format_, scratch_, "stdout");
  }

 private:
  const LineFormat format_;
  std::string scratch_;
};

}  // namespace

StageType stdout_type() {
  StageType t;
  t.name = "stdout";
  t.doc = "prints each message as one line";
  t.blocking = true;
  t.schema.options = {
      {.name = "format",
       .type = OptionType::string,
       .doc = "payload: the payload as a line; json: the whole message as a JSON object",
       .default_value = OptionValue::of("payload"),
       .choices = {"payload", "json"}},
  };
  t.make = [](const Options& o) { return std::make_unique<Stdout>(o); };
  return t;
}

}  // namespace sluice::builtins
