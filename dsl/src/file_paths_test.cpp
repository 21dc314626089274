#include "file_paths.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sluice/dsl/file_paths.hpp"
#include "sluice/dsl/loader.hpp"
#include "sluice/registry.hpp"

namespace sluice::dsl {
namespace {

namespace fs = std::filesystem;

class FilePaths : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sluice_file_paths_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "sub");
    std::ofstream(dir_ / "in.txt") << "a\nb\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string at(const std::string& name) const { return (dir_ / name).string(); }

  LoadResult load(const std::string& text, const std::vector<std::string>& sets = {}) const {
    return load_pipeline_text(text, "p.toml", sets, builtin_registry());
  }
  static std::size_t count_code(const LoadResult& r, std::string_view code) {
    std::size_t n = 0;
    for (const auto& d : r.diagnostics) n += d.code == code ? 1 : 0;
    return n;
  }

  fs::path dir_;
};

TEST_F(FilePaths, OneFileHowEverItIsSpelt) {
  EXPECT_TRUE(same_file(at("in.txt"), at("sub/../in.txt")));
  EXPECT_TRUE(same_file(at("new.txt"), at("sub/../new.txt")));  // not there yet
  fs::create_symlink(at("in.txt"), at("link.txt"));
  EXPECT_TRUE(same_file(at("in.txt"), at("link.txt")));
  fs::create_hard_link(at("in.txt"), at("hard.txt"));
  EXPECT_TRUE(same_file(at("in.txt"), at("hard.txt")));
  EXPECT_FALSE(same_file(at("in.txt"), at("other.txt")));
  EXPECT_FALSE(same_file("/dev/null", "/dev/null"));  // a device: many writers are fine
}

TEST_F(FilePaths, ASinkOnItsSourceOrOnAnotherSinkIsAnError) {
  const std::string in = at("in.txt");
  const std::string source = "[stages.src]\ntype = \"file\"\npath = \"" + in + "\"\n";
  auto truncate = load(source + "[stages.out]\ntype = \"file\"\ninputs = [\"src\"]\npath = \"" +
                       at("sub/../in.txt") + "\"\n");
  ASSERT_EQ(count_code(truncate, "same-file"), 1u);
  EXPECT_EQ(truncate.diagnostics[0].span.line, 7u);  // at the sink's path
  EXPECT_NE(truncate.diagnostics[0].message.find("empty the input"), std::string::npos);

  auto append = load(source +
                     "[stages.out]\ntype = \"file\"\ninputs = [\"src\"]\nmode = \"append\"\n"
                     "path = \"" +
                     in + "\"\n");
  ASSERT_EQ(count_code(append, "same-file"), 1u);
  EXPECT_NE(append.diagnostics[0].message.find("never end"), std::string::npos);

  const std::string two_sinks =
      source + "[stages.a]\ntype = \"file\"\ninputs = [\"src\"]\npath = \"" + at("out.txt") +
      "\"\n[stages.b]\ntype = \"file\"\ninputs = "
      "[\"src\"]\npath = \"" +
      at("sub/../out.txt") + "\"\n";
  auto both = load(two_sinks);
  ASSERT_EQ(count_code(both, "same-file"), 1u);
  EXPECT_NE(both.diagnostics[0].message.find("interleave"), std::string::npos);

  // Through --set too, and blamed on it.
  const std::string fine = source + "[stages.out]\ntype = \"file\"\ninputs = [\"src\"]\npath = \"" +
                           at("out.txt") + "\"\n";
  EXPECT_TRUE(load(fine).ok());
  auto set = load(fine, {"stages.out.path=" + in});
  ASSERT_EQ(count_code(set, "same-file"), 1u);
  EXPECT_EQ(set.diagnostics[0].span.file, "--set stages.out.path=" + in);
  EXPECT_EQ(file_stage_of(load(fine).spec, at("sub/../out.txt")), "out");
  EXPECT_EQ(file_stage_of(load(fine).spec, in), "src");
  EXPECT_EQ(file_stage_of(load(fine).spec, at("stats.json")), std::nullopt);
}

TEST_F(FilePaths, AnEmptyPathIsAnError) {
  auto r = load(
      "[stages.src]\ntype = \"file\"\npath = \"\"\n[stages.out]\ntype = \"file\"\n"
      "inputs = [\"src\"]\npath = \"\"\n");
  EXPECT_EQ(count_code(r, "bad-option"), 2u);
}

}  // namespace
}  // namespace sluice::dsl
