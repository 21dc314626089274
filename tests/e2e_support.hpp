// Support for the end-to-end tests: runs the real `sluice` binary in a
// scratch folder and reads back what it wrote, its exit code and its use of
// threads, CPU and memory.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace sluice_e2e {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kRepo = SLUICE_REPO_DIR;
const fs::path kPipelines = kRepo / "pipelines";
const fs::path kDiagnostics = kRepo / "tests" / "diagnostics";

inline std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

/// `args` plus the example plugins (build/<preset>/plugins/) that samples
/// such as flaky_service.toml use, given the way their header comments say.
inline std::vector<std::string> with_example_plugins(std::vector<std::string> args) {
  for (const char* p : {"flaky_service", "csv_enrich", "stamp"}) {
    args.insert(args.end(), {"--plugin", std::string(SLUICE_PLUGIN_DIR) + "/" + p + ".so"});
  }
  return args;
}

/// The samples directly in pipelines/ (each runs to exit 0 on its own), or
/// with `all`, those of its subfolders too (failures/ exits 1 on purpose;
/// nats/ needs a server and runs in nats_test).
inline std::vector<fs::path> sample_pipelines(bool all = false) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(kPipelines)) {
    if (e.path().extension() != ".toml") continue;
    if (all || e.path().parent_path() == kPipelines) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// A running `sluice` with stdout / stderr captured in files of `dir`.
class Sluice {
 public:
  Sluice(std::vector<std::string> args, const fs::path& dir) : dir_(dir) {
    pid_ = fork();
    if (pid_ == 0) {
      if (chdir(dir.c_str()) != 0) _exit(127);
      int in = open("/dev/null", O_RDONLY);
      int out = open("stdout.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = open("stderr.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<char*> argv;
      std::string bin = SLUICE_BIN;
      argv.push_back(bin.data());
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
  }
  /// A test that fails (or returns) before wait() leaves no process behind.
  ~Sluice() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Sluice(const Sluice&) = delete;
  Sluice& operator=(const Sluice&) = delete;

  /// Exit code, 128 + signal if killed, -1 on timeout (then killed).
  int wait(std::chrono::seconds timeout = std::chrono::seconds(60)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (wait4(pid_, &status, WNOHANG, &usage_) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        wait4(pid_, &status, 0, &usage_);
        reaped_ = true;
        return -1;
      }
      if (const int n = threads(); n > 0) {
        peak_threads_ = std::max(peak_threads_, n);
        ++thread_samples_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    reaped_ = true;
    signalled_ = WIFSIGNALED(status);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  /// After wait(): whether a signal ended the process (it did not exit).
  [[nodiscard]] bool signalled() const { return signalled_; }
  void signal(int sig) const { kill(pid_, sig); }
  /// The process's thread count now (0 once it has ended).
  [[nodiscard]] int threads() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
    }
    return 0;
  }
  /// After wait(): the most threads seen while polling (every 10 ms), how
  /// many polls saw the process running, CPU seconds, peak RSS in KiB.
  [[nodiscard]] int peak_threads() const { return peak_threads_; }
  [[nodiscard]] int thread_samples() const { return thread_samples_; }
  [[nodiscard]] double cpu_seconds() const {
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return s(usage_.ru_utime) + s(usage_.ru_stime);
  }
  [[nodiscard]] long max_rss_kib() const { return usage_.ru_maxrss; }
  [[nodiscard]] std::string out() const { return read(dir_ / "stdout.txt"); }
  [[nodiscard]] std::string err() const { return read(dir_ / "stderr.txt"); }

 private:
  fs::path dir_;
  pid_t pid_{-1};
  rusage usage_{};
  int peak_threads_{0};
  int thread_samples_{0};
  bool signalled_{false};
  bool reaped_{false};
};

class E2E : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ =
        fs::temp_directory_path() / ("sluice_e2e_" + std::to_string(getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  json stats(const std::string& name = "stats.json") {
    return json::parse(read(dir_ / name), nullptr, /*allow_exceptions=*/false);
  }
  fs::path dir_;
};

/// Runs a pipeline written as p.toml: `run` (stats to stats.json, no
/// progress table) or another command such as `check`; keeps its stderr.
class PipelineFileE2E : public E2E {
 protected:
  int run_file(const std::string& toml, const char* command = "run") {
    const auto file = write("p.toml", toml);
    std::vector<std::string> args{command, file.string()};
    if (std::string(command) == "run") {
      args.insert(args.end(), {"--stats-json", "stats.json", "--progress", "never"});
    }
    Sluice p(std::move(args), dir_);
    const int code = p.wait(std::chrono::seconds(60));
    err_ = p.err();
    return code;
  }
  std::string err_;
};

}  // namespace sluice_e2e
