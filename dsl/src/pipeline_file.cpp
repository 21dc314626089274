// Reading a pipeline file (or stdin, "-") whole, before it is parsed: a
// directory or a file that cannot be opened is a diagnostic, not a throw.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "sluice/dsl/loader.hpp"

namespace sluice::dsl {

PipelineText read_pipeline_file(const std::string& path) {
  PipelineText r;
  if (path == "-") {
    r.path = "<stdin>";
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    r.text = ss.str();
    return r;
  }
  r.path = path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    r.diagnostics.push_back({Severity::error, "io", Span{path, 0, 0},
                             "is a directory, not a pipeline file",
                             "name a .toml file, e.g. pipelines/quickstart.toml"});
    return r;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    r.diagnostics.push_back({Severity::error,
                             "io",
                             Span{path, 0, 0},
                             std::string("cannot open the file: ") + std::strerror(errno),
                             {}});
    return r;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  r.text = ss.str();
  return r;
}

}  // namespace sluice::dsl
