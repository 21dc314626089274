// End-to-end: configs that crashed, hung, or quietly lost data (issue 14,
// items 3, 4 and 10; issue 16, item 6), each through the real `sluice`.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "e2e_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support

std::string dotted(std::size_t parts) {
  std::string key = "a";
  for (std::size_t i = 1; i < parts; ++i) key += ".a";
  return key;
}

TEST_F(E2E, ADottedKeyOfThirtyFiveThousandPartsIsAnErrorNotAStackOverflow) {
  // 100 KB; toml++ recursed once per part and died of SIGSEGV in check and run.
  const auto file = write("deep.toml", "[pipeline]\n" + dotted(35'000) + " = 1\n");
  for (const char* command : {"check", "run"}) {
    Sluice p({command, file.string()}, dir_);
    EXPECT_EQ(p.wait(), 2) << command << "\n" << p.err().substr(0, 500);
    EXPECT_NE(p.err().find("deep.toml:2:199: error: the file nests more than 100 levels"),
              std::string::npos)
        << p.err().substr(0, 500);
  }
}

TEST_F(E2E, ASetKeyOfFiftyThousandPartsIsRejectedAtOnce) {
  // It took 44 s (the override's text copied once per part).
  Sluice p({"check", (kPipelines / "quickstart.toml").string(), "--set", dotted(50'000) + "=1"},
           dir_);
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 2);
  EXPECT_NE(p.err().find("error: the key has more than 100 parts"), std::string::npos)
      << p.err().substr(0, 500);
  EXPECT_LT(p.cpu_seconds(), 2.0);
}

TEST_F(E2E, AbsurdNumbersAreCheckErrors) {
  const std::string base =
      "[stages.src]\ntype = \"generate\"\ncount = 5\n[stages.out]\n"
      "type = \"discard\"\ninputs = [\"src\"]\n";
  const auto file = write("p.toml", base);
  for (const char* set :
       {"pipeline.threads=100000", "stages.src.workers=1000000000", "stages.src.rate=1e25",
        "stages.src.rate=inf", "stages.src.rate=nan", "pipeline.run_for=\"2562047h\"",
        "pipeline.drain_timeout=\"2562047h\"", "stages.out.capacity=1000000000"}) {
    Sluice p({"run", file.string(), "--set", set}, dir_);
    EXPECT_EQ(p.wait(std::chrono::seconds(20)), 2) << set << "\n" << p.err();
    EXPECT_NE(p.err().find(": error: "), std::string::npos) << set;
  }
  Sluice threads({"run", file.string(), "--threads", "100000"}, dir_);
  EXPECT_EQ(threads.wait(), 2) << threads.err();
  EXPECT_NE(threads.err().find("--threads: must be at most 1024, not '100000'"), std::string::npos)
      << threads.err();
  Sluice fine({"run", file.string(), "--threads", "2", "--set", "pipeline.run_for=\"8760h\""},
              dir_);
  EXPECT_EQ(fine.wait(), 0) << fine.err();  // the largest run_for runs, all 5 messages
}

TEST_F(E2E, AFileSinkNeverOverwritesAFileOfTheRun) {
  write("in.txt", "one\ntwo\n");
  const std::string text =
      "[stages.src]\ntype = \"file\"\npath = \"in.txt\"\n[stages.out]\ntype = \"file\"\n"
      "inputs = [\"src\"]\npath = \"out.txt\"\n";
  const auto file = write("p.toml", text);
  for (const std::vector<std::string>& sets :
       {std::vector<std::string>{"--set", "stages.out.path=./in.txt"},
        {"--set", "stages.out.path=in.txt", "--set", "stages.out.mode=append"}}) {
    std::vector<std::string> args = {"run", file.string()};
    args.insert(args.end(), sets.begin(), sets.end());
    Sluice p(args, dir_);
    EXPECT_EQ(p.wait(std::chrono::seconds(20)), 2) << p.err();
    EXPECT_NE(p.err().find("the file stage 'src' reads"), std::string::npos) << p.err();
    EXPECT_EQ(read(dir_ / "in.txt"), "one\ntwo\n");  // before: emptied, or grown forever
  }
  const auto two = write("two.toml", text +
                                         "[stages.also]\ntype = \"file\"\ninputs = [\"src\"]\n"
                                         "path = \"sub/../out.txt\"\n");
  std::filesystem::create_directories(dir_ / "sub");
  Sluice both({"check", two.string()}, dir_);
  EXPECT_EQ(both.wait(), 2);
  EXPECT_NE(both.err().find("their lines would interleave"), std::string::npos) << both.err();

  write("out.txt", "kept\n");
  for (const char* stats : {"out.txt", "in.txt"}) {
    Sluice p({"run", file.string(), "--stats-json", stats}, dir_);
    EXPECT_EQ(p.wait(), 2) << p.err();
    EXPECT_NE(p.err().find("the stats would overwrite it"), std::string::npos) << p.err();
  }
  EXPECT_EQ(read(dir_ / "out.txt"), "kept\n");
  EXPECT_EQ(read(dir_ / "in.txt"), "one\ntwo\n");
}

TEST_F(E2E, AnEmptyPathOrABadNatsUrlIsACheckError) {
  const auto empty = write("empty.toml",
                           "[stages.src]\ntype = \"file\"\npath = \"\"\n[stages.out]\n"
                           "type = \"discard\"\ninputs = [\"src\"]\n");
  Sluice p({"check", empty.string()}, dir_);
  EXPECT_EQ(p.wait(), 2);
  EXPECT_NE(p.err().find("empty.toml:3:8: error: 'path' in stage 'src' is empty"),
            std::string::npos)
      << p.err();
  const auto nats = write("nats.toml",
                          "[stages.src]\ntype = \"generate\"\ncount = 1\n[stages.out]\n"
                          "type = \"nats\"\ninputs = [\"src\"]\nsubject = \"s\"\n"
                          "url = \"http://localhost:4222\"\n");
  Sluice n({"check", nats.string()}, dir_);
  EXPECT_EQ(n.wait(), 2);
  EXPECT_NE(n.err().find("nats.toml:8:7: error: 'url' in stage 'out': 'http' in"),
            std::string::npos)
      << n.err();
}

TEST_F(E2E, AnEscapeSequenceInAStageNameNeverReachesTheTerminal) {
  const auto file = write("p.toml",
                          "[stages.\"ev\\u001b[31mil\"]\ntype = \"generate\"\ncount = 3\n"
                          "[stages.\"bad\\u001b[2J\"]\ntype = \"fail\"\nprobability = 1.0\n"
                          "inputs = [\"ev\\u001b[31mil\"]\n[stages.out]\ntype = \"discard\"\n"
                          "inputs = [\"bad\\u001b[2J\"]\n");
  Sluice p({"run", file.string()}, dir_);
  EXPECT_EQ(p.wait(), 1) << p.err();
  EXPECT_EQ(p.err().find('\x1b'), std::string::npos) << p.err();
  EXPECT_NE(p.err().find("bad\\x1b[2J"), std::string::npos) << p.err();
}

// A config that is not a regular file is read once: a pipe gives its text
// once, and a second read found "the pipeline has no stages".
TEST_F(E2E, AConfigFromAPipeOrFromStdinRuns) {
  write("p.toml",
        "[stages.src]\ntype = \"generate\"\ncount = 3\n"
        "[stages.out]\ntype = \"file\"\ninputs = [\"src\"]\npath = \"out.txt\"\n");
  const std::string cd = "cd '" + dir_.string() + "' && ";
  const std::string bin = std::string("'") + SLUICE_BIN + "'";
  for (const std::string& how :
       {"cat p.toml | " + bin + " run /dev/stdin", bin + " run - < p.toml"}) {
    fs::remove(dir_ / "out.txt");
    EXPECT_EQ(std::system((cd + how + " 2> err.txt").c_str()), 0) << how << read(dir_ / "err.txt");
    EXPECT_EQ(lines(read(dir_ / "out.txt")).size(), 3u) << how;
  }
  write("in.toml",
        "[stages.in]\ntype = \"stdin\"\n"
        "[stages.out]\ntype = \"discard\"\ninputs = [\"in\"]\n");
  EXPECT_NE(std::system((cd + bin + " check - < in.toml 2> err.txt").c_str()), 0);
  EXPECT_NE(read(dir_ / "err.txt")
                .find("<stdin>:2:8: error: stage 'in' reads standard input, which holds the "
                      "pipeline file itself (sluice run -)"),
            std::string::npos)
      << read(dir_ / "err.txt");
}

// Under --log-format json every stderr line is a JSON object, configuration
// errors included (with file, line, column and hint).
TEST_F(E2E, UnderJsonLogsEveryStderrLineIsJson) {
  const auto file = write("bad.toml",
                          "[stages.src]\ntype = \"generate\"\ncuont = 3\n"
                          "[stages.out]\ntype = \"discard\"\ninputs = [\"src\"]\n");
  Sluice p({"run", file.string(), "--log-format", "json"}, dir_);
  EXPECT_EQ(p.wait(), 2);
  const auto all = lines(p.err());
  ASSERT_EQ(all.size(), 2u) << p.err();
  for (const auto& line : all) {
    EXPECT_TRUE(json::parse(line, nullptr, false).is_object()) << line;
  }
  const json d = json::parse(all[0]);
  EXPECT_EQ(d["level"], "error");
  EXPECT_EQ(d["file"], file.string());
  EXPECT_EQ(d["line"], 3);
  EXPECT_EQ(d["column"], 1);
  EXPECT_EQ(d["code"], "unknown-key");
  EXPECT_EQ(d["hint"], "did you mean 'count'?");
  EXPECT_EQ(json::parse(all[1])["errors"], 1);
}

TEST_F(E2E, AFileThatCannotBeOpenedSaysWhy) {
  Sluice p({"check", (dir_ / "nope.toml").string()}, dir_);
  EXPECT_EQ(p.wait(), 2);
  EXPECT_NE(p.err().find("nope.toml: error: cannot open the file: No such file or directory"),
            std::string::npos)
      << p.err();
}

TEST_F(E2E, ANumberGivenForAStringSaysHowToQuoteIt) {
  Sluice p(
      {"check", (kPipelines / "log_counts.toml").string(), "--set", "stages.counts_out.path=123"},
      dir_);
  EXPECT_EQ(p.wait(), 2);
  EXPECT_NE(p.err().find("hint: quote it: --set 'stages.counts_out.path=\"123\"'"),
            std::string::npos)
      << p.err();
}

}  // namespace
