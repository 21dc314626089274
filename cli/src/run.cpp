// `sluice run`: load, compile, run with signal handling, report.
//
// Signals: SIGINT/SIGTERM/SIGHUP are blocked before any thread exists, so
// every thread inherits the mask and only the watcher thread receives them,
// via sigwait(). The watcher does the non-async-signal-safe work
// (Pipeline::stop, logging) on an ordinary thread. First signal: graceful
// drain; second: Pipeline::cancel(), and if the run still does not end, exit
// anyway. A signal that comes while the pipeline is still starting is
// remembered by it and honoured as soon as it is up. SIGPIPE is ignored: a
// closed stdout fails the `stdout` sink (EPIPE) like any other write error.
#include <pthread.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "error_lines.hpp"
#include "metrics_server.hpp"
#include "progress.hpp"
#include "progress_display.hpp"
#include "progress_log_sink.hpp"
#include "sluice/dsl/printable.hpp"
#include "sluice/pipeline.hpp"
#include "stats_file.hpp"
#include "stats_path.hpp"
#include "trace_path.hpp"
#include "ui_server.hpp"

namespace sluice::cli {
namespace {

/// Our own wake-up for the watcher when the run ends (never sent by others).
constexpr int kShutdownSignal = SIGUSR1;

sigset_t watched_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);  // a closed terminal drains like SIGTERM
  sigaddset(&set, kShutdownSignal);
  return set;
}

class SignalWatcher {
 public:
  /// `on_stop` is called on the first signal, as the drain begins.
  SignalWatcher(Pipeline& pipeline, StatsFile& stats_file, std::function<void()> on_stop = {})
      : pipeline_(pipeline), stats_file_(stats_file), on_stop_(std::move(on_stop)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~SignalWatcher() {
    {
      std::lock_guard lock(mu_);
      finished_ = true;
    }
    cv_.notify_all();
    pthread_kill(thread_.native_handle(), kShutdownSignal);
    thread_.join();
  }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  /// The first signal received, or 0.
  [[nodiscard]] int signal() const noexcept { return first_.load(); }

 private:
  void loop() {
    const sigset_t set = watched_signals();
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == kShutdownSignal) {
        std::lock_guard lock(mu_);
        if (finished_) return;
        continue;
      }
      int expected = 0;
      if (first_.compare_exchange_strong(expected, sig)) {
        spdlog::warn("{} received: draining (send it again to abort)",
                     fmt::format("SIG{}", sigabbrev_np(sig)));
        if (on_stop_) on_stop_();
        pipeline_.stop();
        continue;
      }
      spdlog::warn("second signal: aborting");
      pipeline_.cancel();
      std::unique_lock lock(mu_);
      if (!cv_.wait_for(lock, std::chrono::seconds(3), [this] { return finished_; })) {
        // The run did not end even when cancelled: leave without it.
        stats_file_.write(pipeline_.stats());
        std::fflush(nullptr);
        std::_Exit(128 + first_.load());
      }
      return;
    }
  }

  Pipeline& pipeline_;
  StatsFile& stats_file_;
  std::function<void()> on_stop_;
  std::atomic<int> first_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool finished_{false};
  std::thread thread_;
};

/// A run shorter than one redraw of the table gets no summary table either.
constexpr double kShortestSummarisedRun = 0.25;

/// stdout and stderr are the same terminal.
bool stdout_shares_the_terminal() {
  struct stat out {};
  struct stat err {};
  return isatty(STDOUT_FILENO) == 1 && isatty(STDERR_FILENO) == 1 &&
         fstat(STDOUT_FILENO, &out) == 0 && fstat(STDERR_FILENO, &err) == 0 &&
         out.st_rdev == err.st_rdev;
}

bool writes_stdout(const dsl::PipelineSpec& spec) {
  for (const auto& s : spec.stages) {
    if (s.type == "stdout" && s.role == Role::sink) return true;
  }
  return false;
}

/// Logs to stderr; through `display` (when there is one) so that lines scroll above its table.
std::shared_ptr<spdlog::logger> make_logger(const std::string& format,
                                            std::shared_ptr<ProgressDisplay> display) {
  spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  if (display) sink = std::make_shared<ProgressLogSink>(std::move(sink), std::move(display));
  auto logger = std::make_shared<spdlog::logger>("sluice", sink);
  if (format == "json") {
    logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})",
                        spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");
  }
  return logger;
}

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return spdlog::level::debug;
    case LogLevel::info:
      return spdlog::level::info;
    case LogLevel::warn:
      return spdlog::level::warn;
    case LogLevel::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

Instances instances_of(const Graph& graph) {
  Instances out;
  for (const auto& n : graph.nodes()) out.emplace(n.name, n.options.workers);
  return out;
}

/// Prints how the run ended (a JSON line under --log-format json: `json_log`)
/// and returns the exit code.
int report_end(const RunResult& result, int signal, bool stats_ok, spdlog::logger* json_log) {
  if (result.status == RunStatus::failed && json_log != nullptr) {
    // One JSON line like the log's, for whatever reads them.
    nlohmann::json why = {{"message", result.error}};
    if (!result.error_stage.empty()) why["stage"] = result.error_stage;
    if (result.has_error_seq) why["seq"] = result.error_seq;
    if (result.error_trace_id != 0) why["trace_id"] = result.error_trace_id;
    why["suppressed"] = result.suppressed.size();
    const std::string fields = why.dump();
    json_log->log(spdlog::level::err, "\"run\":\"failed\",{}", fields.substr(1, fields.size() - 2));
    return kExitFailed;
  }
  if (result.status == RunStatus::failed) {
    std::string where = result.error_stage.empty() ? "" : "stage '" + result.error_stage + "'";
    if (result.has_error_seq) {
      where += " (seq " + std::to_string(result.error_seq);
      if (result.error_trace_id != 0)
        where += ", trace_id " + std::to_string(result.error_trace_id);
      where += ")";
    }
    std::fprintf(stderr, "sluice: error: %s%s%s\n", dsl::printable(where).c_str(),
                 where.empty() ? "" : ": ", dsl::printable(result.error).c_str());
    if (!result.suppressed.empty()) {
      std::fprintf(stderr, "  (%zu later error%s suppressed)\n", result.suppressed.size(),
                   result.suppressed.size() == 1 ? "" : "s");
    }
    return kExitFailed;
  }
  if (signal != 0) return 128 + signal;
  if (result.status == RunStatus::drain_timeout) {
    print_error("the drain deadline passed with messages in flight: " +
                std::to_string(result.abandoned) + " abandoned (drain_timeout)");
    return kExitDrainTimeout;
  }
  return stats_ok ? kExitOk : kExitUsage;
}

/// The servers --metrics, --control and --ui ask for (one for the flags that
/// name the same address), each with the log line that says where it is;
/// nullopt after printing why one cannot listen.
using Servers = std::vector<std::pair<std::unique_ptr<MetricsServer>, std::string>>;
std::optional<Servers> open_servers(const RunArgs& args, std::shared_ptr<const UiAssets> ui) {
  struct Wanted {
    std::string address;
    const char* flag;  ///< the first flag that names it
    MetricsServer::Endpoints endpoints;
  };
  std::vector<Wanted> wanted;
  auto want = [&wanted](const std::string& address, const char* flag) -> Wanted* {
    if (address.empty()) return nullptr;
    for (auto& w : wanted) {
      if (w.address == address) return &w;
    }
    return &wanted.emplace_back(Wanted{address, flag, {}});
  };
  if (Wanted* w = want(args.metrics, "--metrics")) w->endpoints.metrics = true;
  if (Wanted* w = want(args.control, "--control")) w->endpoints.control = true;
  if (Wanted* w = want(args.ui, "--ui")) w->endpoints.ui = std::move(ui);
  Servers servers;
  for (auto& w : wanted) {
    const bool with_ui = w.endpoints.ui != nullptr;
    std::string why;
    auto server = MetricsServer::bind(w.address, w.flag, w.endpoints, why);
    if (!server) {
      print_error(why);
      return std::nullopt;
    }
    std::string what;
    auto add = [&what](const std::string& part) { what += (what.empty() ? "" : "; ") + part; };
    if (w.endpoints.metrics) add("metrics at " + server->url() + "/metrics");
    if (w.endpoints.control) {
      // What `sluice top` is given: the address without the scheme.
      const std::string at = server->url().substr(std::string_view("http://").size());
      add("control at " + at + " (sluice top " + at + ", sluice tap " + at + " STAGE)");
    }
    if (with_ui) add("live page at " + server->url() + "/");
    servers.emplace_back(std::move(server), what);
  }
  return servers;
}

}  // namespace

int run_command(const RunArgs& args) {
  // Before any thread exists, so that all of them inherit the mask.
  const sigset_t set = watched_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  const bool progress =
      args.progress == "always" || (args.progress == "auto" && isatty(STDERR_FILENO) == 1);
  auto display = progress ? std::make_shared<ProgressDisplay>(stderr) : nullptr;
  auto logger = make_logger(args.log_format, display);
  spdlog::set_default_logger(logger);
  use_json_error_lines(args.log_format == "json");

  auto loaded = load_and_compile(args.file, args.sets, args.plugins);
  if (!loaded || !stats_path_is_free(args.stats_json, loaded->spec)) return kExitUsage;
  // Each redraw moves up over the lines just drawn: on the terminal a stdout
  // sink writes to, it would erase them. `auto` draws no table there.
  const bool live_table = display && !(args.progress == "auto" && stdout_shares_the_terminal() &&
                                       writes_stdout(loaded->spec));
  StatsFile stats_file(args.stats_json);
  if (!stats_file.prepare()) return kExitUsage;  // found out now, not after an hour of running
  std::shared_ptr<const UiAssets> ui;
  if (!args.ui.empty()) {
    ui = make_ui_assets(loaded->spec);  // drawn once; a missing `dot` only costs the drawing
  }
  auto servers = open_servers(args, ui);  // a port in use is found now too
  if (!servers) return kExitUsage;
  if (!trace_path_is_writable(args.trace)) return kExitUsage;
  RunOptions options = loaded->compiled.run_options;
  if (args.threads > 0) options.threads = args.threads;
  if (args.fuse == "always") options.fusion = Fusion::always;
  if (args.fuse == "never") options.fusion = Fusion::never;
  options.trace_file = args.trace;
  options.trace_sample = args.trace_sample;
  const bool json = args.log_format == "json";
  options.log = [logger, json](LogLevel level, std::string_view stage, std::string_view message) {
    if (json) {
      logger->log(to_spdlog(level), "\"stage\":{},\"message\":{}",
                  nlohmann::json(std::string(stage)).dump(),
                  nlohmann::json(std::string(message)).dump());
    } else if (stage.empty()) {  // names and errors quote the file: escaped for the terminal
      logger->log(to_spdlog(level), "{}", dsl::printable(message));
    } else {
      logger->log(to_spdlog(level), "{}: {}", dsl::printable(stage), dsl::printable(message));
    }
  };
  if (ui && !ui->why_no_svg.empty()) {
    options.log(LogLevel::warn, "",
                "--ui: the page has no drawing of the graph: " + ui->why_no_svg);
  }

  const Instances instances = instances_of(loaded->compiled.graph);
  Pipeline pipeline(std::move(loaded->compiled.graph), options);
  auto set_ready = [&servers](bool ready) {
    for (const auto& server : *servers) server.first->set_ready(ready);
  };
  RunResult result;
  int signal = 0;
  {
    SignalWatcher watcher(pipeline, stats_file,
                          [&set_ready] { set_ready(false); });  // draining: no more traffic
    try {
      pipeline.start();
      // After start(): a server thread reads the stats start() sets up (its
      // lock orders them), as the table's thread, started after it, does.
      for (const auto& [server, what] : *servers) {
        server->start(pipeline, instances);
        options.log(LogLevel::info, "", what);  // once it answers with the run's numbers
      }
      set_ready(true);
      if (live_table) display->start([&pipeline] { return pipeline.stats(); }, instances);
      result = pipeline.wait();
    } catch (const std::exception& e) {
      result.status = RunStatus::failed;
      result.error = e.what();
    }
    for (const auto& server : *servers) server.first->stop();  // before the pipeline goes
    if (display) display->stop();
    signal = watcher.signal();
  }
  const Stats stats = pipeline.stats();
  const bool stats_ok = stats_file.write(stats);
  if (live_table && stats.elapsed_s >= kShortestSummarisedRun) {
    // The whole run: average rates and busy / blocked shares.
    std::fputs(render_progress(Stats{}, stats, stats.elapsed_s, instances).c_str(), stderr);
  }
  const int code = report_end(result, signal, stats_ok, json ? logger.get() : nullptr);
  if (!result.stuck.empty()) {
    // Their calls still use the pipeline, whose destructor would wait for them.
    logger->flush();
    std::fflush(nullptr);
    std::_Exit(code);
  }
  return code;
}

}  // namespace sluice::cli
