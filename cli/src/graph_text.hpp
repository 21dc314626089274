// The pipeline's graph as text: Graphviz dot or a Mermaid flowchart
// (`sluice graph`), and the dot the live page of `sluice run --ui` renders to
// SVG, whose nodes and edges carry ids and a line for the page to fill in.
//
//   std::printf("%s", dot_text(spec).c_str());
//   std::string live = dot_text(spec, DotFor::live_page);  // "stage_0", "edge_0", ...
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sluice/dsl/spec.hpp"

namespace sluice::cli {

/// One edge of the graph: from an input of `spec.stages[to]`, in file order
/// (the order the compiler connects them in).
struct GraphEdge {
  std::size_t from{0};  ///< index into spec.stages
  std::size_t to{0};
  std::string port;   ///< the output of `from` it leaves by
  std::string label;  ///< topic, port, capacity and overflow where they differ from the default
};

[[nodiscard]] std::vector<GraphEdge> graph_edges(const dsl::PipelineSpec& spec);

enum class DotFor {
  graph,      ///< what `sluice graph` prints
  live_page,  ///< plus ids and a line of numbers on every node and edge
};

[[nodiscard]] std::string dot_text(const dsl::PipelineSpec& spec, DotFor what = DotFor::graph);
[[nodiscard]] std::string mermaid_text(const dsl::PipelineSpec& spec);

/// The id of stage `i` / edge `k` (graph_edges' order) in the live page's SVG.
[[nodiscard]] std::string stage_element_id(std::size_t i);
[[nodiscard]] std::string edge_element_id(std::size_t k);

}  // namespace sluice::cli
