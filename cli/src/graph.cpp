// `sluice graph`: the pipeline as Graphviz dot or a Mermaid flowchart
// (graph_text.hpp). Sources, stages and sinks have shapes of their own, and
// every edge out of a stage with several ports names its port.
#include <cstdio>

#include "commands.hpp"
#include "graph_text.hpp"

namespace sluice::cli {

int graph_command(const std::string& file, const std::vector<std::string>& sets,
                  const std::vector<std::string>& plugins, const std::string& format) {
  auto loaded = load_and_compile(file, sets, plugins);
  if (!loaded) return kExitUsage;
  const std::string text =
      format == "mermaid" ? mermaid_text(loaded->spec) : dot_text(loaded->spec);
  std::fputs(text.c_str(), stdout);
  return kExitOk;
}

}  // namespace sluice::cli
