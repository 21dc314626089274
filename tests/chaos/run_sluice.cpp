#include "run_sluice.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace chaos {
namespace {

using Clock = std::chrono::steady_clock;

/// How long a cancelled run waits for a call stuck inside a stage before it
/// ends without it (README: How it runs).
constexpr long kCancelGraceMs = 2'000;

long since_us(Clock::time_point start) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
}

std::string tail(const std::filesystem::path& file, std::size_t bytes) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  return all.size() <= bytes ? all : "..." + all.substr(all.size() - bytes);
}

/// The child starts with SIGINT, SIGTERM and SIGHUP blocked (set before fork, kept
/// across exec): a signal that lands before sluice's main() has blocked them
/// itself stays pending for its watcher instead of killing the process by
/// default action, which says nothing about sluice (any program dies so while
/// the loader runs).
[[noreturn]] void exec_child(const std::filesystem::path& dir,
                             const std::vector<std::string>& args) {
  if (chdir(dir.c_str()) != 0) _exit(127);
  const int in = open("/dev/null", O_RDONLY);
  const int out = open("/dev/null", O_WRONLY);
  const int err = open("stderr.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(in, 0);
  dup2(out, 1);
  dup2(err, 2);
  std::vector<char*> argv;
  std::string bin = SLUICE_BIN;
  argv.push_back(bin.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(bin.c_str(), argv.data());
  _exit(127);
}

}  // namespace

std::string Scenario::describe() const {
  const std::string sig = signal == SIGINT ? "SIGINT" : signal == SIGHUP ? "SIGHUP" : "SIGTERM";
  switch (kind) {
    case Kind::none:
      return "no signal";
    case Kind::run_for:
      return "run_for " + std::to_string(run_for_ms) + "ms";
    case Kind::early_signal:
    case Kind::late_signal:
      return sig + " at " + std::to_string(first_us) + "us";
    case Kind::two_signals:
      return sig + " at " + std::to_string(first_us) + "us, again " + std::to_string(second_us) +
             "us later";
  }
  return "?";
}

Outcome run_sluice(const std::filesystem::path& dir, const std::vector<std::string>& args,
                   const Scenario& scenario, const Deadlines& deadlines) {
  const bool signals = scenario.kind == Scenario::Kind::early_signal ||
                       scenario.kind == Scenario::Kind::late_signal ||
                       scenario.kind == Scenario::Kind::two_signals;
  const bool second = scenario.kind == Scenario::Kind::two_signals;
  const long second_at = scenario.first_us + scenario.second_us;
  // Until a signal is sent, the run ends by itself (or by run_for); each
  // signal moves the deadline to what that signal promises.
  long deadline_us = 1000 * (scenario.kind == Scenario::Kind::run_for
                                 ? scenario.run_for_ms + scenario.drain_timeout_ms +
                                       kCancelGraceMs + deadlines.margin_ms
                                 : deadlines.natural_ms);
  Outcome o;
  const Clock::time_point start = Clock::now();
  sigset_t blocked, before;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGINT);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGHUP);
  sigprocmask(SIG_BLOCK, &blocked, &before);
  const pid_t pid = fork();
  if (pid == 0) exec_child(dir, args);
  sigprocmask(SIG_SETMASK, &before, nullptr);

  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    const long now = since_us(start);
    if (signals && !o.sent_first && now >= scenario.first_us) {
      kill(pid, scenario.signal);
      o.sent_first = true;
      deadline_us = std::min(deadline_us, now + 1000 * (scenario.drain_timeout_ms + kCancelGraceMs +
                                                        deadlines.margin_ms));
    } else if (second && o.sent_first && !o.sent_second && now >= second_at) {
      kill(pid, scenario.signal);
      o.sent_second = true;
      deadline_us = std::min(deadline_us, now + 1000 * (kCancelGraceMs + deadlines.margin_ms));
    } else if (now >= deadline_us) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      o.hung = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  o.elapsed_s = static_cast<double>(since_us(start)) / 1e6;
  if (!o.hung) {
    if (WIFSIGNALED(status)) o.signal_death = WTERMSIG(status);
    if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
  }
  o.stderr_tail = tail(dir / "stderr.txt", 3000);
  return o;
}

}  // namespace chaos
