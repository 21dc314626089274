// The samples of pipelines/real/ read real files (and stdin), run from the
// repository root as their header comments say, and print what those
// comments show: the same as awk, grep and `sort | uniq -c` would.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>

#include "e2e_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support

class RealSamples : public E2E {
 protected:
  /// `sluice run pipelines/real/NAME.toml ARGS` from the repository root;
  /// its stdout (stderr must stay empty).
  std::string run(const std::string& name, const std::string& args = "") {
    const std::string command = "cd '" + kRepo.string() + "' && '" + SLUICE_BIN +
                                "' run pipelines/real/" + name + ".toml --progress never " + args +
                                " > '" + (dir_ / "out.txt").string() + "' 2> '" +
                                (dir_ / "err.txt").string() + "'";
    EXPECT_EQ(std::system(command.c_str()), 0) << read(dir_ / "err.txt");
    EXPECT_EQ(read(dir_ / "err.txt"), "");
    return read(dir_ / "out.txt");
  }
};

TEST_F(RealSamples, AccessLogStatusCountsAsUniqCWould) {
  EXPECT_EQ(run("access_log_status"), "200\t21\n304\t7\n404\t2\n500\t5\n502\t5\n");
}

TEST_F(RealSamples, JsonLinesErrorsAreFilteredAndRouted) {
  const auto tsv = dir_ / "others.tsv";
  EXPECT_EQ(run("jsonl_errors", "--set stages.others_out.path='\"" + tsv.string() + "\"'"),
            "10:00:05 card declined\n10:00:06 upstream timed out\n"
            "10:00:15 upstream timed out\n10:00:17 db connection reset\n"
            "10:00:23 upstream timed out\n");
  EXPECT_EQ(read(tsv), "auth\t1\nsearch\t1\n");
}

TEST_F(RealSamples, StdinWordCountCountsEveryWord) {
  const auto data = kPipelines / "real" / "data" / "access.log";
  std::map<std::string, int> want;
  std::istringstream words(read(data));
  for (std::string w; words >> w;) {
    std::transform(w.begin(), w.end(), w.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    ++want[w];
  }
  std::map<std::string, int> got;
  for (const auto& line : lines(run("stdin_word_count", "< '" + data.string() + "'"))) {
    const auto tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    got[line.substr(0, tab)] = std::stoi(line.substr(tab + 1));
  }
  EXPECT_EQ(got, want);
}

}  // namespace
