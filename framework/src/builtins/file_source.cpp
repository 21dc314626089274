// file (source): one message per line of `path`.
#include <memory>

#include "builtins/builtins.hpp"
#include "builtins/line_source.hpp"
#include "builtins/path_check.hpp"

namespace sluice::builtins {

StageType file_source_type() {
  StageType t;
  t.name = "file";
  t.doc = "reads a file, one message per line (seq counts from 1, a random trace_id each)";
  t.blocking = true;
  t.schema.options = {
      {.name = "path", .type = OptionType::string, .doc = "file to read", .required = true},
      max_line_bytes_option(),
  };
  t.make = [](const Options& o) { return std::make_unique<LineSource>(o.get_string("path"), o); };
  t.check = check_path;
  return t;
}

}  // namespace sluice::builtins
