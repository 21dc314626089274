// End-to-end: runs the `sluice` binary as a user would and checks exit codes,
// outputs, `--stats-json` and diagnostics (golden files).
//
// SLUICE_UPDATE_GOLDEN=1 rewrites tests/diagnostics/*.expected from the
// current output (review the diff before committing it).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support

/// What every stats document must hold, whatever the pipeline.
void check_stats_shape(const json& s, const std::string& status) {
  ASSERT_TRUE(s.is_object()) << s;
  EXPECT_EQ(s.value("status", ""), status);
  EXPECT_TRUE(s["pipeline"].is_string());
  EXPECT_TRUE(s["elapsed_s"].is_number());
  ASSERT_TRUE(s["stages"].is_object());
  for (const auto& [name, st] : s["stages"].items()) {
    for (const char* k : {"in", "out", "filtered", "dropped", "errors", "retries", "dead_letter",
                          "rejected", "restarts", "busy_s", "blocked_s"}) {
      EXPECT_TRUE(st.contains(k)) << name << " lacks " << k;
    }
  }
  ASSERT_TRUE(s["edges"].is_array());
  for (const auto& e : s["edges"]) {
    for (const char* k : {"from", "to", "capacity", "max_depth", "dropped", "blocked_s"}) {
      EXPECT_TRUE(e.contains(k)) << e << " lacks " << k;
    }
  }
}

/// For a finished run: each consumer took what its edges accepted.
void check_edge_accounting(const json& s) {
  std::map<std::string, std::uint64_t> pushed_into;
  for (const auto& e : s["edges"]) {
    pushed_into[e.value("to", std::string())] += e.value("taken", std::uint64_t{0});
  }
  for (const auto& [to, pushed] : pushed_into) {
    EXPECT_EQ(s["stages"][to]["in"].get<std::uint64_t>(), pushed) << "stage " << to;
  }
}

// --- every sample pipeline ----------------------------------------------------

TEST_F(E2E, EverySamplePipelineChecksClean) {
  const auto files = sample_pipelines(/*all=*/true);
  ASSERT_FALSE(files.empty());
  for (const auto& f : files) {
    Sluice p(with_example_plugins({"check", f.string()}), dir_);
    EXPECT_EQ(p.wait(), 0) << f << "\n" << p.err();
    EXPECT_EQ(p.out().rfind("ok: ", 0), 0u) << p.out();
    EXPECT_EQ(p.err(), "") << f;  // samples carry no warnings
  }
}

TEST_F(E2E, EverySamplePipelineRunsToCompletion) {
  for (const auto& f : sample_pipelines()) {
    const auto name = f.stem().string();
    Sluice p(with_example_plugins(
                 {"run", f.string(), "--stats-json", name + ".json", "--progress", "never"}),
             dir_);
    ASSERT_EQ(p.wait(std::chrono::seconds(30)), 0) << f << "\n" << p.err();
    auto s = stats(name + ".json");
    check_stats_shape(s, "ok");
    EXPECT_EQ(s["pipeline"], name);
    check_edge_accounting(s);
  }
}

TEST_F(E2E, QuickstartPrintsEveryEventInOrder) {
  Sluice p({"run", (kPipelines / "quickstart.toml").string(), "--stats-json", "stats.json"}, dir_);
  ASSERT_EQ(p.wait(), 0) << p.err();
  auto out = lines(p.out());
  ASSERT_EQ(out.size(), 20u) << p.out();
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto m = json::parse(out[i]);
    EXPECT_EQ(m["seq"], i + 1);
    EXPECT_EQ(m["key"], "user-" + std::to_string((i + 1) % 3));
    auto payload = json::parse(m.value("payload", std::string()));
    EXPECT_EQ(payload["n"], i + 1);
  }
  auto s = stats();
  check_stats_shape(s, "ok");
  EXPECT_EQ(s["stages"]["events"]["out"], 20);
  for (const char* stage : {"hold", "enrich"}) {  // 1:1 stages
    EXPECT_EQ(s["stages"][stage]["in"], 20) << stage;
    EXPECT_EQ(s["stages"][stage]["out"], 20) << stage;
  }
  EXPECT_EQ(s["stages"]["print"]["in"], 20);
}

// pipelines/worker_pool.toml: a burst to 4 slow workers, with `batch` set in
// [pipeline] and on the stage and `io_threads` capping the file sink's pool.
TEST_F(E2E, WorkerPoolSampleServesEveryMessageOfTheBurstOnce) {
  Sluice p({"run", (kPipelines / "worker_pool.toml").string(), "--stats-json", "stats.json",
            "--progress", "never"},
           dir_);
  ASSERT_EQ(p.wait(), 0) << p.err();
  std::set<std::int64_t> jobs;
  for (const auto& line : lines(read(dir_ / "worker_pool.out.jsonl"))) {
    jobs.insert(json::parse(json::parse(line)["payload"].get<std::string>())["job"].get<int>());
  }
  EXPECT_EQ(jobs.size(), 40u);
  auto s = stats();
  EXPECT_EQ(s["stages"]["enrich"]["in"], 40);
  EXPECT_EQ(s["stages"]["enrich"]["out"], 40);
  EXPECT_EQ(s["stages"]["done"]["in"], 40);
}

TEST_F(E2E, SetOverridesKeysBeforeValidation) {
  Sluice p({"run", (kPipelines / "quickstart.toml").string(), "--set", "stages.events.count=3",
            "--set", "stages.events.rate=0", "--set", "stages.print.format=payload", "--set",
            "stages.events.payload=hello world"},
           dir_);
  ASSERT_EQ(p.wait(), 0) << p.err();
  EXPECT_EQ(p.out(), "hello world\nhello world\nhello world\n");

  Sluice bad({"run", (kPipelines / "quickstart.toml").string(), "--set", "stages.events.count=x"},
             dir_);
  EXPECT_EQ(bad.wait(), 2);
  EXPECT_NE(bad.err().find("--set stages.events.count=x: error: 'count'"), std::string::npos)
      << bad.err();
}

TEST_F(E2E, OrderedWorkersKeepSourceOrder) {
  Sluice p({"run", (kPipelines / "ordered_workers.toml").string()}, dir_);
  ASSERT_EQ(p.wait(), 0) << p.err();
  auto out = lines(read(dir_ / "ordered_workers.out.txt"));
  ASSERT_EQ(out.size(), 2000u);
  for (std::size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], "line " + std::to_string(i + 1));
}

// --- progress -------------------------------------------------------------------

TEST_F(E2E, ProgressIsDrawnOnlyWhenAskedOffATerminal) {
  const auto file = (kPipelines / "quickstart.toml").string();
  Sluice always({"run", file, "--progress", "always"}, dir_);
  ASSERT_EQ(always.wait(), 0) << always.err();
  const std::string err = always.err();
  // The summary closes the output: the title with the final status, then one row per stage.
  const auto summary = err.rfind("quickstart  ok  ");
  ASSERT_NE(summary, std::string::npos) << err;
  const auto rows = lines(err.substr(summary));
  ASSERT_EQ(rows.size(), 6u) << err;  // title, header, 4 stages
  EXPECT_EQ(rows[1].rfind("stage ", 0), 0u) << rows[1];
  EXPECT_EQ(rows[2].rfind("events ", 0), 0u) << rows[2];
  EXPECT_NE(rows[5].find(" 20 "), std::string::npos) << rows[5];  // print took all 20
  // Live frames (the run lasts about half a second) redraw in place.
  EXPECT_NE(err.find("\x1b[J"), std::string::npos) << err;

  for (const char* mode : {"auto", "never"}) {  // stderr is a file here
    Sluice quiet({"run", file, "--progress", mode}, dir_);
    ASSERT_EQ(quiet.wait(), 0) << quiet.err();
    EXPECT_EQ(quiet.err().find("rate/s"), std::string::npos) << mode << ": " << quiet.err();
    EXPECT_EQ(quiet.err().find('\x1b'), std::string::npos) << mode;
  }
}

// --- exit codes -----------------------------------------------------------------

TEST_F(E2E, UsageAndConfigErrorsExitWith2) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {},
           {"frobnicate"},
           {"run"},
           {"run", "missing.toml"},
           {"check", "missing.toml"},
           {"run", (kPipelines / "quickstart.toml").string(), "--threads", "0"},
           {"graph", (kPipelines / "quickstart.toml").string(), "--format", "png"},
           {"list", "no_such_type"}}) {
    Sluice p(args, dir_);
    EXPECT_EQ(p.wait(), 2) << (args.empty() ? "(no args)" : args[0]) << "\n" << p.err();
  }
  Sluice help({"--help"}, dir_);
  EXPECT_EQ(help.wait(), 0);
}

TEST_F(E2E, UsageErrorsSayWhatIsWrong) {
  const std::string quickstart = (kPipelines / "quickstart.toml").string();
  Sluice typo({"chek", quickstart}, dir_);
  EXPECT_EQ(typo.wait(), 2);
  EXPECT_EQ(typo.err(), "sluice: error: unknown command 'chek'\n  hint: did you mean 'check'?\n");
  Sluice threads({"run", quickstart, "--threads", "0"}, dir_);
  EXPECT_EQ(threads.wait(), 2);
  EXPECT_NE(threads.err().find("--threads: must be a whole number of at least 1, not '0'"),
            std::string::npos)
      << threads.err();
  Sluice folder({"check", kPipelines.string()}, dir_);
  EXPECT_EQ(folder.wait(), 2);
  EXPECT_NE(folder.err().find("is a directory, not a pipeline file"), std::string::npos)
      << folder.err();
  Sluice help({"run", "--help"}, dir_);
  EXPECT_EQ(help.wait(), 0);
  EXPECT_NE(help.out().find("--trace FILE"), std::string::npos) << help.out();
  EXPECT_NE(help.out().find("--trace-sample P"), std::string::npos) << help.out();
  Sluice version({"--version"}, dir_);
  EXPECT_EQ(version.wait(), 0);
  EXPECT_EQ(version.out().rfind("sluice 0.", 0), 0u) << version.out();
  Sluice stats({"run", quickstart, "--stats-json", "no-such-folder/stats.json"}, dir_);
  EXPECT_EQ(stats.wait(), 2) << "found out before the run, not after it";
  EXPECT_NE(stats.err().find("cannot write stats to 'no-such-folder/stats.json'"),
            std::string::npos)
      << stats.err();
  Sluice unknown({"list", "geo_lookup"}, dir_);
  EXPECT_EQ(unknown.wait(), 2);
  EXPECT_NE(unknown.err().find("--plugin"), std::string::npos) << unknown.err();
}

/// A pipeline whose source fails at open: its file does not exist.
constexpr const char* kMissingInput = R"([stages.in]
type = "file"
path = "does-not-exist.txt"
[stages.out]
type = "stdout"
inputs = ["in"]
)";

TEST_F(E2E, UnderJsonLogsTheFinalErrorIsAJsonLineToo) {
  auto file = write("fail.toml", kMissingInput);
  Sluice p({"run", file.string(), "--log-format", "json", "--progress", "never"}, dir_);
  EXPECT_EQ(p.wait(), 1);
  const auto logged = lines(p.err());
  ASSERT_FALSE(logged.empty());
  const json last = json::parse(logged.back(), nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(last.is_object()) << p.err();
  EXPECT_EQ(last["level"], "error");
  EXPECT_EQ(last["run"], "failed");
  EXPECT_EQ(last["stage"], "in");
  for (const auto& line : logged) {
    EXPECT_TRUE(json::parse(line, nullptr, false).is_object()) << "not JSON: " << line;
  }
}

TEST_F(E2E, AFailingStageExitsWith1AndStillWritesStats) {
  auto file = write("fail.toml", kMissingInput);
  Sluice p({"run", file.string(), "--stats-json", "stats.json"}, dir_);
  EXPECT_EQ(p.wait(), 1);
  EXPECT_NE(p.err().find("stage 'in'"), std::string::npos) << p.err();
  auto s = stats();
  check_stats_shape(s, "failed");
}

TEST_F(E2E, FusedMapsAndFiltersWriteWhatTheUnfusedRunWrites) {
  auto file = write("chain.toml", R"([stages.src]
type = "generate"
count = 5000
payload = "{seq}"
[stages.tag]
type = "map"
inputs = ["src"]
key = "k{seq % 7}"
[stages.even]
type = "filter"
inputs = ["tag"]
condition = "seq % 2 == 0"
[stages.shout]
type = "map"
inputs = ["even"]
payload = "{payload}-{key}"
[stages.out]
type = "file"
inputs = ["shout"]
path = "OUT"
)");
  for (const char* mode : {"fused", "queued"}) {
    std::vector<std::string> args{"run",          file.string(),
                                  "--set",        std::string("stages.out.path=") + mode + ".txt",
                                  "--stats-json", std::string(mode) + ".json"};
    args.push_back("--fuse");
    args.push_back(std::string(mode) == "queued" ? "never" : "always");
    Sluice p(args, dir_);
    ASSERT_EQ(p.wait(), 0) << mode << ": " << p.err();
  }
  const auto out = lines(read(dir_ / "fused.txt"));
  ASSERT_EQ(out.size(), 2500u);
  EXPECT_EQ(out.front(), "2-k2");
  EXPECT_EQ(out, lines(read(dir_ / "queued.txt")));
  const json fused = stats("fused.json"), queued = stats("queued.json");
  check_stats_shape(fused, "ok");
  check_edge_accounting(fused);
  for (const char* stage : {"tag", "even", "shout"}) {
    for (const char* k : {"in", "out", "filtered"}) {
      EXPECT_EQ(fused["stages"][stage][k], queued["stages"][stage][k]) << stage << " " << k;
    }
    EXPECT_FALSE(queued["stages"][stage].contains("fused_into")) << stage;
  }
  EXPECT_FALSE(fused["stages"]["tag"].contains("fused_into"));
  EXPECT_EQ(fused["stages"]["even"]["fused_into"], "tag");
  EXPECT_EQ(fused["stages"]["shout"]["fused_into"], "tag");
}

TEST_F(E2E, ACountWithTheChainsWorkersEndsItAndCountsWhatTheUnfusedRunCounts) {
  auto file = write("count.toml", R"([stages.src]
type = "generate"
count = 20000
payload = ""
[stages.build]
type = "map"
inputs = ["src"]
workers = 2
payload = '{{"user": "u{seq % 97}", "amount": {seq * 7919 % 1009}}}'
[stages.keep]
type = "filter"
inputs = ["build"]
workers = 2
condition = ".amount > 500"
[stages.count]
type = "count"
inputs = ["keep"]
workers = 2
by = ".user"
[stages.out]
type = "file"
inputs = ["count"]
path = "OUT"
)");
  // fused: count ends the chain; queued: no fusion; interval: a count that
  // asks for timers stays out of it.
  for (const std::string mode : {"fused", "queued", "interval"}) {
    std::vector<std::string> args{"run",          file.string(),
                                  "--threads",    "2",
                                  "--set",        "stages.out.path=" + mode + ".txt",
                                  "--fuse",       mode == "queued" ? "never" : "auto",
                                  "--stats-json", mode + ".json"};
    if (mode == "interval") {
      args.insert(args.end(), {"--set", "stages.count.interval=1h"});
    }
    Sluice p(args, dir_);
    ASSERT_EQ(p.wait(), 0) << mode << ": " << p.err();
  }
  const auto out = lines(read(dir_ / "fused.txt"));
  ASSERT_EQ(out.size(), 97u);
  EXPECT_EQ(out, lines(read(dir_ / "queued.txt")));
  EXPECT_EQ(out, lines(read(dir_ / "interval.txt")));
  const json fused = stats("fused.json"), queued = stats("queued.json");
  check_stats_shape(fused, "ok");
  check_edge_accounting(fused);
  EXPECT_EQ(fused["stages"]["count"]["fused_into"], "build");
  EXPECT_FALSE(stats("interval.json")["stages"]["count"].contains("fused_into"));
  for (const char* k : {"in", "out", "filtered"}) {
    EXPECT_EQ(fused["stages"]["count"][k], queued["stages"]["count"][k]) << k;
  }
  EXPECT_EQ(fused["stages"]["count"]["out"], 97);
}

// --- signals --------------------------------------------------------------------

constexpr const char* kEndless = R"([pipeline]
drain_timeout = "60s"
[stages.src]
type = "generate"
rate = 500
[stages.hold]
type = "delay"
inputs = ["src"]
duration = "DELAY"
[stages.out]
type = "discard"
inputs = ["hold"]
)";

std::string endless(const std::string& delay) {
  std::string s = kEndless;
  s.replace(s.find("DELAY"), 5, delay);
  return s;
}

TEST_F(E2E, SigintDrainsAndExitsWith130) {
  auto file = write("endless.toml", endless("10ms"));
  Sluice p({"run", file.string(), "--stats-json", "stats.json"}, dir_);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  p.signal(SIGINT);
  EXPECT_EQ(p.wait(std::chrono::seconds(20)), 130) << p.err();
  auto s = stats();
  check_stats_shape(s, "interrupted");
  EXPECT_GT(s["stages"]["out"]["in"].get<std::uint64_t>(), 0u);
  // A graceful drain loses nothing: everything generated reached the sink.
  EXPECT_EQ(s["stages"]["src"]["out"], s["stages"]["out"]["in"]);
}

TEST_F(E2E, SigintWithAFileSinkLeavesCompleteLinesOnly) {
  // Long lines at a high rate, so that a torn write at the signal would show.
  const std::string filler(64, 'x');
  auto file = write("endless_file.toml", R"([stages.src]
type = "generate"
count = 0
rate = 5000
payload = "event {seq} )" + filler + R"("
[stages.sink]
type = "file"
inputs = ["src"]
path = "out.txt"
)");
  Sluice p({"run", file.string(), "--stats-json", "stats.json"}, dir_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (lines(read(dir_ / "out.txt")).size() < 200 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  p.signal(SIGINT);
  ASSERT_EQ(p.wait(std::chrono::seconds(20)), 130) << p.err();

  const std::string text = read(dir_ / "out.txt");
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n') << "the last line is incomplete";
  const auto written = lines(text);
  ASSERT_GE(written.size(), 200u);
  for (std::size_t i = 0; i < written.size(); ++i) {
    ASSERT_EQ(written[i], "event " + std::to_string(i + 1) + " " + filler) << "line " << i + 1;
  }
  auto s = stats();
  check_stats_shape(s, "interrupted");
  // Drained: every message generated is in the file, once.
  EXPECT_EQ(s["stages"]["src"]["out"].get<std::uint64_t>(), written.size());
  EXPECT_EQ(s["stages"]["sink"]["in"].get<std::uint64_t>(), written.size());
}

TEST_F(E2E, SigtermDrainsAndExitsWith143) {
  auto file = write("endless.toml", endless("1ms"));
  Sluice p({"run", file.string(), "--stats-json", "stats.json"}, dir_);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(20)), 143) << p.err();
  check_stats_shape(stats(), "interrupted");
}

TEST_F(E2E, ASecondSignalAbortsTheDrain) {
  // Messages are held 60s, the drain budget is 60s: only the second signal ends it soon.
  auto file = write("endless.toml", endless("60s"));
  const auto start = std::chrono::steady_clock::now();
  Sluice p({"run", file.string(), "--stats-json", "stats.json"}, dir_);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  p.signal(SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  p.signal(SIGINT);
  EXPECT_EQ(p.wait(std::chrono::seconds(20)), 130) << p.err();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  check_stats_shape(stats(), "interrupted");
}

// --- golden diagnostics ---------------------------------------------------------

/// Extra `sluice check` arguments from a first line `# check-args: ...`.
std::vector<std::string> check_args(const fs::path& toml) {
  std::vector<std::string> args;
  const std::string first = lines(read(toml)).at(0);
  const std::string marker = "# check-args:";
  if (first.rfind(marker, 0) == 0) {
    std::istringstream in(first.substr(marker.size()));
    for (std::string a; in >> a;) args.push_back(a);
  }
  return args;
}

TEST_F(E2E, GoldenDiagnostics) {
  std::size_t checked = 0;
  const bool update = std::getenv("SLUICE_UPDATE_GOLDEN") != nullptr;
  for (const auto& e : fs::directory_iterator(kDiagnostics)) {
    if (e.path().extension() != ".toml") continue;
    const auto name = e.path().filename().string();
    std::vector<std::string> args = {"check", name};
    for (auto& a : check_args(e.path())) args.push_back(a);
    // A copy in the scratch directory, so that the file name prints relative.
    fs::copy_file(e.path(), dir_ / name, fs::copy_options::overwrite_existing);
    Sluice p(args, dir_);
    const int code = p.wait();
    const std::string err = p.err();
    auto expected_path = e.path();
    expected_path.replace_extension(".expected");
    if (update) std::ofstream(expected_path) << err;
    ASSERT_TRUE(fs::exists(expected_path)) << "missing " << expected_path;
    EXPECT_EQ(err, read(expected_path)) << name;
    const bool errors = err.find(": error: ") != std::string::npos;
    EXPECT_EQ(code, errors ? 2 : 0) << name;
    EXPECT_FALSE(err.empty()) << name << " should produce diagnostics";
    ++checked;
  }
  EXPECT_GE(checked, 10u);
}

}  // namespace
