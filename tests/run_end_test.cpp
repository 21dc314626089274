// How `sluice run` ends when its surroundings fail: a reader that closes
// stdout (`| head -1`), a stats path that takes no bytes, a process killed
// outright. The run fails clearly and the stats file is whole or absent,
// never empty.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "e2e_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support

const std::string kEndless =
    "[stages.src]\ntype = \"generate\"\n"
    "[stages.out]\ntype = \"stdout\"\ninputs = [\"src\"]\n";

/// Runs sluice in `dir` with stdout a pipe whose reader has gone (a shell's
/// `| head -1` once head has its line); returns its exit code.
int run_with_stdout_closed(const fs::path& dir, const std::string& config) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  close(fds[0]);  // the reader is gone before the first write
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(127);
    const int err = open("stderr.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fds[1], 1);
    dup2(err, 2);
    execl(SLUICE_BIN, SLUICE_BIN, "run", config.c_str(), "--stats-json", "stats.json",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST_F(E2E, AClosedStdoutFailsTheSinkWithTheStatsWritten) {
  const auto config = write("p.toml", kEndless);
  EXPECT_EQ(run_with_stdout_closed(dir_, config.string()), 1) << "not killed by SIGPIPE";
  EXPECT_NE(read(dir_ / "stderr.txt").find("stage 'out': write to stdout failed: Broken pipe"),
            std::string::npos)
      << read(dir_ / "stderr.txt");
  const json s = stats();
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["status"], "failed");
}

TEST_F(E2E, AStatsPathThatTakesNoBytesFailsBeforeTheRun) {
  const auto config = write("p.toml", kEndless);
  Sluice p({"run", config.string(), "--stats-json", "/dev/full"}, dir_);
  EXPECT_EQ(p.wait(std::chrono::seconds(20)), 2);
  EXPECT_NE(p.err().find("cannot write stats to '/dev/full': No space left on device"),
            std::string::npos)
      << p.err();
  EXPECT_TRUE(p.out().empty()) << "the pipeline ran";
}

TEST_F(E2E, AKilledRunLeavesTheOldStatsOrNoneNeverAnEmptyFile) {
  const auto config = write("p.toml", kEndless);
  for (const bool old : {false, true}) {
    if (old) write("stats.json", "{\"status\": \"ok\"}\n");
    Sluice p({"run", config.string(), "--stats-json", "stats.json"}, dir_);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    p.signal(SIGKILL);
    ASSERT_EQ(p.wait(), 128 + SIGKILL);
    EXPECT_EQ(fs::exists(dir_ / "stats.json"), old);
    if (old) {
      EXPECT_EQ(stats()["status"], "ok");
    }
    for (const auto& entry : fs::directory_iterator(dir_)) {
      EXPECT_EQ(entry.path().filename().string().find(".stats.json."), std::string::npos)
          << "a temporary file was left: " << entry.path();
    }
  }
}

/// Runs `sluice run CONFIG` in a pseudo-terminal (util-linux `script`), so
/// that stdout and stderr are one terminal; returns what it showed.
std::string run_on_a_terminal(const fs::path& dir, const fs::path& config) {
  const std::string command = "cd '" + dir.string() + "' && script -qec \"'" +
                              std::string(SLUICE_BIN) + "' run '" + config.string() +
                              "'\" /dev/null > screen.txt 2>&1";
  if (std::system(command.c_str()) != 0) return "script failed";
  return read(dir / "screen.txt");
}

// A redraw moves up over the lines just drawn: over a stdout sink on the same
// terminal it erased them (a 12-line run showed 2).
TEST_F(E2E, TheProgressTableNeverErasesWhatAStdoutSinkPrinted) {
  if (std::system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "no script(1)";
  const auto config = write("p.toml",
                            "[stages.src]\ntype = \"generate\"\ncount = 12\nrate = 20\n"
                            "payload = \"line {seq}\"\n"
                            "[stages.out]\ntype = \"stdout\"\ninputs = [\"src\"]\n");
  const std::string screen = run_on_a_terminal(dir_, config);
  for (int i = 1; i <= 12; ++i) {
    EXPECT_NE(screen.find("line " + std::to_string(i) + "\r\n"), std::string::npos) << screen;
  }
  EXPECT_EQ(screen.find("\x1b["), std::string::npos) << "a table was drawn: " << screen;

  // A run too short for one redraw prints no table at all.
  const auto quick = write("quick.toml",
                           "[stages.src]\ntype = \"generate\"\ncount = 3\n"
                           "[stages.out]\ntype = \"file\"\ninputs = [\"src\"]\n"
                           "path = \"out.txt\"\n");
  EXPECT_EQ(run_on_a_terminal(dir_, quick).find("rate/s"), std::string::npos);
}

// `take` has its 3 lines; stdin stays open with nothing more to read (a
// `tail -f` between lines): the source stops anyway, well before the 20 s
// this test waits.
TEST_F(E2E, TakeStopsASourceWaitingForInput) {
  const auto config =
      write("p.toml",
            "[stages.in]\ntype = \"stdin\"\n"
            "[stages.t]\ntype = \"take\"\ninputs = [\"in\"]\ncount = 3\n"
            "[stages.out]\ntype = \"file\"\ninputs = [\"t\"]\npath = \"out.txt\"\n");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir_.c_str()) != 0) _exit(127);
    dup2(fds[0], 0);
    close(fds[1]);
    execl(SLUICE_BIN, SLUICE_BIN, "run", config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[0]);
  ASSERT_EQ(::write(fds[1], "a\nb\nc\nd\n", 8), 8);
  int status = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (waitpid(pid, &status, WNOHANG) == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const bool ended = waitpid(pid, &status, WNOHANG) != 0 || WIFEXITED(status);
  close(fds[1]);  // lets a hung run end
  if (!ended) waitpid(pid, &status, 0);
  EXPECT_TRUE(ended) << "still waiting for a line nobody needs";
  EXPECT_EQ(read(dir_ / "out.txt"), "a\nb\nc\n");
}

// run_for stops the run; the calls take 1 s, the drain may take 300 ms: the
// drain deadline abandons what is left, which is not a success, and every
// message the call stage took is in exactly one of its counters.
TEST_F(E2E, ADrainThatTimesOutIsNotASuccessAndLosesNoCount) {
  Sluice p(with_example_plugins({"run", (kPipelines / "flaky_service.toml").string(), "--set",
                                 "pipeline.run_for=300ms", "--set", "pipeline.drain_timeout=300ms",
                                 "--set", "stages.svc.latency=1s", "--stats-json", "stats.json"}),
           dir_);
  EXPECT_EQ(p.wait(std::chrono::seconds(30)), 3) << p.err();
  EXPECT_NE(p.err().find("drain_timeout (0.3s) passed with work left: svc ("), std::string::npos)
      << p.err();
  const json s = stats();
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["status"], "drain_timeout");
  const json& svc = s["stages"]["svc"];
  EXPECT_GT(svc["in"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(svc["in"],
            svc["out"].get<std::uint64_t>() + svc["filtered"].get<std::uint64_t>() +
                svc["dropped"].get<std::uint64_t>() + svc["dead_letter"].get<std::uint64_t>() +
                svc["rejected"].get<std::uint64_t>() + svc["abandoned"].get<std::uint64_t>())
      << svc;
}

}  // namespace
