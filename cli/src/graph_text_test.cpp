// The graph's text: `sluice graph`'s dot and Mermaid, and the live page's dot
// with element ids and room for numbers; ui_layout names each edge as the
// runtime's stats do.
#include "graph_text.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "sluice/dsl/loader.hpp"
#include "sluice/registry.hpp"
#include "ui_json.hpp"

namespace sluice::cli {
namespace {

dsl::StageSpec stage(std::string name, std::string type, Role role,
                     std::vector<dsl::InputSpec> inputs = {},
                     std::vector<std::string> ports = {"out"}) {
  dsl::StageSpec s;
  s.name = std::move(name);
  s.type = std::move(type);
  s.role = role;
  s.inputs = std::move(inputs);
  s.ports = std::move(ports);
  return s;
}

dsl::InputSpec from(std::string stage, std::string port = "out") {
  dsl::InputSpec in;
  in.stage = std::move(stage);
  in.port = std::move(port);
  return in;
}

dsl::PipelineSpec spec() {
  dsl::PipelineSpec p;
  p.name = "demo";
  p.stages.push_back(stage("events", "generate", Role::source));
  p.stages.push_back(stage("flaky", "fail", Role::stage, {from("events")}, {"out", "dead_letter"}));
  p.stages.back().circuit_breaker = dsl::PolicyRef{"svc", {}, {}};
  p.stages.push_back(stage("good", "file", Role::sink, {from("flaky")}));
  p.stages.push_back(stage("failed", "file", Role::sink, {from("flaky", "dead_letter")}));
  p.stages.back().inputs[0].capacity = 8;
  return p;
}

TEST(GraphText, DotAsSluiceGraphPrintsIt) {
  EXPECT_EQ(dot_text(spec()), R"(digraph "demo" {
  rankdir=LR;
  node [shape=box, style=rounded];
  "events" [label="events\ngenerate", shape=cds];
  "flaky" [label="flaky\nfail"];
  "good" [label="good\nfile", shape=cylinder];
  "failed" [label="failed\nfile", shape=cylinder];
  "events" -> "flaky";
  "flaky" -> "good" [label="out"];
  "flaky" -> "failed" [label="dead_letter, capacity 8"];
}
)");
}

TEST(GraphText, Mermaid) {
  EXPECT_EQ(mermaid_text(spec()), R"(flowchart LR
  n0>"events<br/>generate"]
  n1["flaky<br/>fail"]
  n2[("good<br/>file")]
  n3[("failed<br/>file")]
  n0 --> n1
  n1 -->|"out"| n2
  n1 -->|"dead_letter, capacity 8"| n3
)");
}

TEST(GraphText, TheLivePagesDotHasIdsAndALineForNumbers) {
  const std::string dot = dot_text(spec(), DotFor::live_page);
  EXPECT_NE(
      dot.find(
          R"("events" [id="stage_0", label="events\ngenerate\nbusy 100%  blocked 100%", shape=cds];)"),
      std::string::npos)
      << dot;
  EXPECT_NE(
      dot.find(
          R"("flaky" [id="stage_1", label="flaky\nfail\nbusy 100%  blocked 100%\nbreaker half_open"];)"),
      std::string::npos)
      << "a line for the breaker's state\n"
      << dot;
  EXPECT_NE(dot.find(R"("events" -> "flaky" [id="edge_0", label="100.0k/s  100%"];)"),
            std::string::npos)
      << dot;
  EXPECT_NE(
      dot.find(
          R"("flaky" -> "failed" [id="edge_2", label="dead_letter, capacity 8\n100.0k/s  100%"];)"),
      std::string::npos)
      << dot;
}

TEST(GraphText, TheLayoutNamesEdgesAsTheStatsDo) {
  const UiLayout l = ui_layout(spec());
  ASSERT_EQ(l.stages.size(), 4u);
  EXPECT_EQ(l.stages[3].name, "failed");
  EXPECT_EQ(l.stages[3].id, "stage_3");
  ASSERT_EQ(l.edges.size(), 3u);
  EXPECT_EQ(l.edges[0].from, "events");  // one port: the stage's name alone
  EXPECT_EQ(l.edges[0].to, "flaky");
  EXPECT_EQ(l.edges[0].id, "edge_0");
  EXPECT_EQ(l.edges[1].from, "flaky.out");  // several: with the port, the first one too
  EXPECT_EQ(l.edges[2].from, "flaky.dead_letter");
  EXPECT_EQ(l.edges[2].to, "failed");
  EXPECT_EQ(l.edges[2].id, "edge_2");
}

// The layout comes from the file; the stats name the compiled graph's edges.
// For every sample pipeline the two agree, edge by edge (in the runtime's
// words: the port only where the stage has several, or it is not the first).
TEST(GraphText, TheLayoutMatchesTheCompiledGraphOfEverySamplePipeline) {
  std::size_t checked = 0;
  for (const auto& file :
       std::filesystem::directory_iterator(std::filesystem::path(SLUICE_REPO_DIR) / "pipelines")) {
    if (file.path().extension() != ".toml") continue;
    const auto loaded = dsl::load_pipeline(file.path().string(), {}, builtin_registry());
    if (!loaded.ok()) continue;  // needs a plugin
    const auto compiled = dsl::compile(loaded.spec, builtin_registry());
    ASSERT_TRUE(compiled.ok()) << file.path();
    const UiLayout layout = ui_layout(loaded.spec);
    const auto& nodes = compiled.graph.nodes();
    const auto& edges = compiled.graph.edges();
    ASSERT_EQ(layout.edges.size(), edges.size()) << file.path();
    for (std::size_t k = 0; k < edges.size(); ++k) {
      const Node& from = nodes[edges[k].from];
      const std::string label = from.ports.size() <= 1 && edges[k].from_port == 0
                                    ? from.name
                                    : from.name + "." + from.ports.at(edges[k].from_port);
      EXPECT_EQ(layout.edges[k].from, label) << file.path() << " edge " << k;
      EXPECT_EQ(layout.edges[k].to, nodes[edges[k].to].name) << file.path() << " edge " << k;
    }
    ++checked;
  }
  EXPECT_GE(checked, 10u);
}

}  // namespace
}  // namespace sluice::cli
