// `sluice graph`: the pipeline as Graphviz dot or a Mermaid flowchart.
// Sources, stages and sinks have shapes of their own, and every edge out of
// a stage with several ports names its port (the first one too: a route's
// `error` edge must not read as if it carried everything).
#include <cstdio>

#include "commands.hpp"

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

struct EdgeView {
  std::size_t from, to;
  std::string label;
};

}  // namespace

int graph_command(const std::string& file, const std::vector<std::string>& sets,
                  const std::vector<std::string>& plugins, const std::string& format) {
  auto loaded = load_and_compile(file, sets, plugins);
  if (!loaded) return kExitUsage;
  const auto& spec = loaded->spec;
  std::vector<EdgeView> edges;
  for (std::size_t to = 0; to < spec.stages.size(); ++to) {
    const auto& s = spec.stages[to];
    for (const auto& in : s.inputs) {
      std::size_t from = 0;
      while (from < spec.stages.size() && spec.stages[from].name != in.stage) ++from;
      if (from == spec.stages.size()) continue;
      std::vector<std::string> parts;
      const auto& ports = spec.stages[from].ports;
      if (!in.topic.empty()) parts.push_back("topic " + in.topic);
      if (ports.size() > 1 || (!ports.empty() && in.port != ports.front())) {
        parts.push_back(in.port);
      }
      const auto cap = in.capacity.value_or(s.capacity.value_or(spec.channel_capacity));
      if (cap != spec.channel_capacity) parts.push_back("capacity " + std::to_string(cap));
      const auto ov = in.overflow.value_or(s.overflow.value_or(Overflow::block));
      if (ov != Overflow::block) parts.emplace_back(to_string(ov));
      std::string label;
      for (const auto& p : parts) label += (label.empty() ? "" : ", ") + p;
      edges.push_back({from, to, label});
    }
  }
  auto node_label = [&](const dsl::StageSpec& s, std::string_view newline) {
    std::string l = s.name + std::string(newline) + s.type;
    if (s.workers > 1) l += " x" + std::to_string(s.workers) + (s.ordered ? " ordered" : "");
    return l;
  };
  if (format == "mermaid") {
    std::printf("flowchart LR\n");
    for (std::size_t i = 0; i < spec.stages.size(); ++i) {
      const auto& s = spec.stages[i];
      const auto label = escape(node_label(s, "<br/>"), true);
      // A flag for a source (data comes in), a cylinder for a sink.
      const char* open = s.role == Role::source ? ">" : s.role == Role::sink ? "[(" : "[";
      const char* close = s.role == Role::sink ? ")]" : "]";
      std::printf("  n%zu%s\"%s\"%s\n", i, open, label.c_str(), close);
    }
    for (const auto& e : edges) {
      if (e.label.empty()) {
        std::printf("  n%zu --> n%zu\n", e.from, e.to);
      } else {
        std::printf("  n%zu -->|\"%s\"| n%zu\n", e.from, escape(e.label, true).c_str(), e.to);
      }
    }
    return kExitOk;
  }
  std::printf("digraph \"%s\" {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n",
              escape(spec.name, false).c_str());
  for (const auto& s : spec.stages) {
    const char* shape = s.role == Role::source ? ", shape=cds"
                        : s.role == Role::sink ? ", shape=cylinder"
                                               : "";
    std::printf("  \"%s\" [label=\"%s\"%s];\n", escape(s.name, false).c_str(),
                escape(node_label(s, "\n"), false).c_str(), shape);
  }
  for (const auto& e : edges) {
    std::printf("  \"%s\" -> \"%s\"", escape(spec.stages[e.from].name, false).c_str(),
                escape(spec.stages[e.to].name, false).c_str());
    if (!e.label.empty()) std::printf(" [label=\"%s\"]", escape(e.label, false).c_str());
    std::printf(";\n");
  }
  std::printf("}\n");
  return kExitOk;
}

}  // namespace sluice::cli
