// render_svg: Graphviz's `dot` draws the live page's graph with the ids the
// page looks for; a missing, failing or hanging `dot` is an error that says so.
#include "svg_render.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

namespace sluice::cli {
namespace {

class SvgRender : public ::testing::Test {
 protected:
  void SetUp() override {
    std::signal(SIGPIPE, SIG_IGN);  // as in `sluice run`
  }
};

TEST_F(SvgRender, DrawsTheGraphWithItsIds) {
  const SvgResult r = render_svg(
      "digraph g { \"a\" [id=\"stage_0\", label=\"a\\nbusy 0%\"]; \"a\" -> \"b\" [id=\"edge_0\"]; "
      "}");
  if (r.error.find("not installed") != std::string::npos) GTEST_SKIP() << r.error;
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.svg.rfind("<svg", 0), 0u) << "no XML prolog: it goes inline into HTML";
  EXPECT_NE(r.svg.find(R"(<g id="stage_0" class="node">)"), std::string::npos) << r.svg;
  EXPECT_NE(r.svg.find(R"(<g id="edge_0" class="edge">)"), std::string::npos) << r.svg;
  EXPECT_NE(r.svg.find(">busy 0%</text>"), std::string::npos) << r.svg;
  EXPECT_NE(r.svg.find("</svg>"), std::string::npos);
}

TEST_F(SvgRender, AMissingCommandSaysHowToInstallIt) {
  const SvgResult r = render_svg("digraph g {}", "sluice-no-such-dot");
  EXPECT_TRUE(r.svg.empty());
  EXPECT_EQ(r.error,
            "the Graphviz `sluice-no-such-dot` command is not installed (Debian: apt-get install "
            "graphviz)");
}

TEST_F(SvgRender, BadDotIsAnErrorWithDotsMessage) {
  const SvgResult r = render_svg("digraph g { -> }");
  if (r.error.find("not installed") != std::string::npos) GTEST_SKIP() << r.error;
  EXPECT_TRUE(r.svg.empty());
  EXPECT_EQ(r.error.rfind("`dot -Tsvg` failed: ", 0), 0u) << r.error;
  EXPECT_NE(r.error.find("syntax error"), std::string::npos) << r.error;
}

TEST_F(SvgRender, ACommandThatHangsIsKilledAtTheTimeout) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("sluice_svg_render_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto script = dir / "hangs";
  std::ofstream(script) << "#!/bin/sh\nexec sleep 30\n";
  ::chmod(script.c_str(), 0755);
  const auto start = std::chrono::steady_clock::now();
  const SvgResult r = render_svg("digraph g {}", script.string(), std::chrono::milliseconds(200));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(r.svg.empty());
  EXPECT_NE(r.error.find("did not finish within 200 ms"), std::string::npos) << r.error;
  EXPECT_LT(took, std::chrono::seconds(10));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice::cli
