#include "graph_text.hpp"

#include <string_view>

namespace sluice::cli {
namespace {

std::string escape(std::string_view s, bool mermaid) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += mermaid ? "<br/>" : "\\n";  // a line break in the label, not in the file
    } else if (c == '\r') {
      continue;
    } else if (mermaid && c == '"') {
      out += "#quot;";
    } else if (!mermaid && (c == '"' || c == '\\')) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

std::string node_label(const dsl::StageSpec& s, std::string_view newline) {
  std::string l = s.name + std::string(newline) + s.type;
  if (s.workers > 1) l += " x" + std::to_string(s.workers) + (s.ordered ? " ordered" : "");
  return l;
}

// What the live page writes over, as wide as what it writes: the layout
// leaves room for the numbers.
constexpr std::string_view kStageNumbers = "busy 100%  blocked 100%";
constexpr std::string_view kBreakerLine = "breaker half_open";
constexpr std::string_view kEdgeNumbers = "100.0k/s  100%";

}  // namespace

std::string stage_element_id(std::size_t i) { return "stage_" + std::to_string(i); }
std::string edge_element_id(std::size_t k) { return "edge_" + std::to_string(k); }

std::vector<GraphEdge> graph_edges(const dsl::PipelineSpec& spec) {
  std::vector<GraphEdge> edges;
  for (std::size_t to = 0; to < spec.stages.size(); ++to) {
    const auto& s = spec.stages[to];
    for (const auto& in : s.inputs) {
      std::size_t from = 0;
      while (from < spec.stages.size() && spec.stages[from].name != in.stage) ++from;
      if (from == spec.stages.size()) continue;
      std::vector<std::string> parts;
      const auto& ports = spec.stages[from].ports;
      if (!in.topic.empty()) parts.push_back("topic " + in.topic);
      // Every edge out of a stage with several ports names its port (the
      // first one too: a route's `error` edge must not read as if it carried
      // everything).
      if (ports.size() > 1 || (!ports.empty() && in.port != ports.front())) {
        parts.push_back(in.port);
      }
      const auto cap = in.capacity.value_or(s.capacity.value_or(spec.channel_capacity));
      if (cap != spec.channel_capacity) parts.push_back("capacity " + std::to_string(cap));
      const auto ov = in.overflow.value_or(s.overflow.value_or(Overflow::block));
      if (ov != Overflow::block) parts.emplace_back(to_string(ov));
      std::string label;
      for (const auto& p : parts) label += (label.empty() ? "" : ", ") + p;
      edges.push_back({from, to, in.port, label});
    }
  }
  return edges;
}

std::string mermaid_text(const dsl::PipelineSpec& spec) {
  std::string out = "flowchart LR\n";
  for (std::size_t i = 0; i < spec.stages.size(); ++i) {
    const auto& s = spec.stages[i];
    // A flag for a source (data comes in), a cylinder for a sink.
    const char* open = s.role == Role::source ? ">" : s.role == Role::sink ? "[(" : "[";
    const char* close = s.role == Role::sink ? ")]" : "]";
    out += "  n" + std::to_string(i) + open + "\"" + escape(node_label(s, "<br/>"), true) + "\"" +
           close + "\n";
  }
  for (const auto& e : graph_edges(spec)) {
    out += "  n" + std::to_string(e.from) + " -->";
    if (!e.label.empty()) out += "|\"" + escape(e.label, true) + "\"|";
    out += " n" + std::to_string(e.to) + "\n";
  }
  return out;
}

std::string dot_text(const dsl::PipelineSpec& spec, DotFor what) {
  const bool live = what == DotFor::live_page;
  std::string out = "digraph \"" + escape(spec.name, false) +
                    "\" {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n";
  for (std::size_t i = 0; i < spec.stages.size(); ++i) {
    const auto& s = spec.stages[i];
    std::string label = node_label(s, "\n");
    if (live) {
      label += "\n" + std::string(kStageNumbers);
      if (s.circuit_breaker) label += "\n" + std::string(kBreakerLine);
    }
    out += "  \"" + escape(s.name, false) + "\" [";
    if (live) out += "id=\"" + stage_element_id(i) + "\", ";
    out += "label=\"" + escape(label, false) + "\"";
    if (s.role == Role::source) out += ", shape=cds";
    if (s.role == Role::sink) out += ", shape=cylinder";
    out += "];\n";
  }
  const auto edges = graph_edges(spec);
  for (std::size_t k = 0; k < edges.size(); ++k) {
    const auto& e = edges[k];
    out += "  \"" + escape(spec.stages[e.from].name, false) + "\" -> \"" +
           escape(spec.stages[e.to].name, false) + "\"";
    std::string label = e.label;
    if (live) label += (label.empty() ? "" : "\n") + std::string(kEdgeNumbers);
    if (live) {
      out += " [id=\"" + edge_element_id(k) + "\", label=\"" + escape(label, false) + "\"]";
    } else if (!label.empty()) {
      out += " [label=\"" + escape(label, false) + "\"]";
    }
    out += ";\n";
  }
  out += "}\n";
  return out;
}

}  // namespace sluice::cli
