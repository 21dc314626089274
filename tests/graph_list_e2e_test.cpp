// End-to-end: `sluice graph` (dot and Mermaid, every sample through
// Graphviz) and `sluice list`.
#include <gtest/gtest.h>

#include <string>

#include "e2e_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support

TEST_F(E2E, GraphPrintsDotAndMermaid) {
  const auto file = (kPipelines / "quickstart.toml").string();
  Sluice dot({"graph", file}, dir_);
  ASSERT_EQ(dot.wait(), 0) << dot.err();
  EXPECT_EQ(dot.out().rfind("digraph \"quickstart\" {", 0), 0u) << dot.out();
  EXPECT_NE(dot.out().find("\"hold\" -> \"enrich\" [label=\"capacity 8\"];"), std::string::npos)
      << dot.out();
  Sluice mermaid({"graph", file, "--format", "mermaid"}, dir_);
  ASSERT_EQ(mermaid.wait(), 0) << mermaid.err();
  EXPECT_EQ(mermaid.out().rfind("flowchart LR\n", 0), 0u) << mermaid.out();
  EXPECT_NE(mermaid.out().find("n0 --> n1"), std::string::npos) << mermaid.out();

  // A line break in a stage's name stays inside its label.
  const auto odd = write("odd.toml", R"([stages."two\nlines"]
type = "generate"
count = 1
[stages.out]
type = "discard"
inputs = ["two\nlines"]
)");
  Sluice odd_mermaid({"graph", odd.string(), "--format", "mermaid"}, dir_);
  ASSERT_EQ(odd_mermaid.wait(), 0) << odd_mermaid.err();
  EXPECT_NE(odd_mermaid.out().find("n0>\"two<br/>lines<br/>generate\"]"), std::string::npos)
      << odd_mermaid.out();
  Sluice odd_dot({"graph", odd.string()}, dir_);
  ASSERT_EQ(odd_dot.wait(), 0) << odd_dot.err();
  EXPECT_NE(odd_dot.out().find("\"two\\nlines\" -> \"out\""), std::string::npos) << odd_dot.out();
}

TEST_F(E2E, GraphOfEverySamplePipelineRendersWithGraphviz) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) GTEST_SKIP() << "Graphviz 'dot' absent";
  for (const auto& f : sample_pipelines(/*all=*/true)) {
    Sluice p(with_example_plugins({"graph", f.string(), "--format", "dot"}), dir_);
    ASSERT_EQ(p.wait(), 0) << f << "\n" << p.err();
    const auto dot = dir_ / (f.stem().string() + ".dot");
    const auto svg = dir_ / (f.stem().string() + ".svg");
    std::ofstream(dot) << p.out();
    const std::string cmd = "dot -Tsvg '" + dot.string() + "' -o '" + svg.string() + "' 2>'" +
                            dir_.string() + "/dot.err'";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << f << "\n" << read(dir_ / "dot.err") << p.out();
    EXPECT_NE(read(svg).find("<svg"), std::string::npos) << f;
    // Every stage is drawn.
    for (const auto& line : lines(read(f))) {
      if (line.rfind("[stages.", 0) != 0) continue;
      const auto name = line.substr(8, line.find(']') - 8);
      EXPECT_NE(read(svg).find(">" + name + "<"), std::string::npos) << f << ": " << name;
    }
  }
}

TEST_F(E2E, ListShowsTypesAndTheirOptions) {
  Sluice all({"list"}, dir_);
  ASSERT_EQ(all.wait(), 0);
  for (const char* t : {"generate", "file", "stdin", "work", "delay", "stdout", "discard"}) {
    EXPECT_NE(all.out().find(std::string("\n") + t + " "), std::string::npos) << t;
  }
  Sluice one({"list", "generate"}, dir_);
  ASSERT_EQ(one.wait(), 0);
  EXPECT_NE(one.out().find("count"), std::string::npos) << one.out();
  EXPECT_NE(one.out().find("capacity"), std::string::npos) << one.out();  // common keys
  Sluice split({"list", "split"}, dir_);
  ASSERT_EQ(split.wait(), 0);
  EXPECT_NE(split.out().find("\"\\n\""), std::string::npos) << split.out();  // escaped
  Sluice typo({"list", "genrate"}, dir_);
  EXPECT_EQ(typo.wait(), 2);
  EXPECT_NE(typo.err().find("did you mean 'generate'?"), std::string::npos) << typo.err();
}

}  // namespace
