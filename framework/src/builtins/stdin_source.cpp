// stdin: one message per line of standard input, until end of file.
#include <memory>

#include "builtins/builtins.hpp"
#include "builtins/line_source.hpp"

namespace sluice::builtins {

StageType stdin_type() {
  StageType t;
  t.name = "stdin";
  t.doc = "reads standard input, one message per line (seq counts from 1, a random trace_id each)";
  t.blocking = true;
  t.schema.options = {max_line_bytes_option()};
  t.make = [](const Options& o) { return std::make_unique<LineSource>(std::string(), o); };
  return t;
}

}  // namespace sluice::builtins
