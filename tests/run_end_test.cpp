// How `sluice run` ends when its surroundings fail: a reader that closes
// stdout (`| head -1`), a stats path that takes no bytes, a process killed
// outright. The run fails clearly and the stats file is whole or absent,
// never empty.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
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

}  // namespace
