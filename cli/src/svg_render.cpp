#include "svg_render.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

extern char** environ;

namespace sluice::cli {
namespace {

/// A pipe whose ends close with it.
struct Pipe {
  std::array<int, 2> fd{-1, -1};
  Pipe() {
    if (::pipe2(fd.data(), O_CLOEXEC) != 0) fd = {-1, -1};
  }
  ~Pipe() {
    close_end(0);
    close_end(1);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  [[nodiscard]] bool ok() const { return fd[0] >= 0; }
  void close_end(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
};

std::string first_line(const std::string& text) {
  const auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

}  // namespace

SvgResult render_svg(std::string_view dot, const std::string& command,
                     std::chrono::milliseconds timeout) {
  Pipe in, out, err;
  if (!in.ok() || !out.ok() || !err.ok()) return {{}, std::string("pipe: ") + std::strerror(errno)};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fd[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], STDERR_FILENO);
  // The child must not inherit `sluice run`'s blocked signals: a kill on
  // timeout has to end it.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;  // and `sluice run` ignores SIGPIPE: `dot` need not
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string arg0 = command;
  std::string arg1 = "-Tsvg";
  std::array<char*, 3> argv{arg0.data(), arg1.data(), nullptr};
  pid_t pid = -1;
  const int spawned = ::posix_spawnp(&pid, command.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (spawned != 0) {
    if (spawned == ENOENT) {
      return {{},
              "the Graphviz `" + command +
                  "` command is not installed (Debian: apt-get install graphviz)"};
    }
    return {{}, "cannot run `" + command + "`: " + std::strerror(spawned)};
  }
  in.close_end(0);
  out.close_end(1);
  err.close_end(1);

  std::string svg;
  std::string errors;
  std::size_t written = 0;
  if (dot.empty()) in.close_end(1);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  while (out.fd[0] >= 0 || err.fd[0] >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    std::array<pollfd, 3> fds{pollfd{in.fd[1], POLLOUT, 0}, pollfd{out.fd[0], POLLIN, 0},
                              pollfd{err.fd[0], POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) {
      const ssize_t n = ::write(in.fd[1], dot.data() + written, dot.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 && errno != EINTR && errno != EAGAIN) written = dot.size();  // dot went away
      if (written == dot.size()) in.close_end(1);  // end of input: dot lays out and writes
    }
    for (std::size_t i = 1; i < 3; ++i) {
      if (fds[i].revents == 0) continue;
      Pipe& p = i == 1 ? out : err;
      std::array<char, 16384> buf{};
      const ssize_t n = ::read(p.fd[0], buf.data(), buf.size());
      if (n > 0) {
        (i == 1 ? svg : errors).append(buf.data(), static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        p.close_end(0);
      }
    }
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return {{},
            "`" + command + "` did not finish within " + std::to_string(timeout.count()) + " ms"};
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string why = first_line(errors);
    return {{}, "`" + command + " -Tsvg` failed" + (why.empty() ? "" : ": " + why)};
  }
  const auto start = svg.find("<svg");
  if (start == std::string::npos) return {{}, "`" + command + " -Tsvg` wrote no <svg> element"};
  return {svg.substr(start), {}};
}

}  // namespace sluice::cli
