// The subcommands of `sluice`, each returning the process exit code:
// 0 ok, 1 a stage failed the pipeline, 2 usage or configuration error,
// 3 the drain deadline abandoned messages, 128 + signal after a
// signal-initiated drain.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sluice/dsl/loader.hpp"
#include "sluice/options.hpp"

namespace sluice::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
/// The run stopped itself (run_for, take) and its drain deadline passed with messages in flight.
inline constexpr int kExitDrainTimeout = 3;

struct RunArgs {
  std::string file;
  std::size_t threads{0};  ///< 0: the file's (or all cores)
  std::vector<std::string> sets;
  std::string stats_json;
  std::string progress{"auto"};
  std::string log_format{"text"};
  std::vector<std::string> plugins;
  std::string fuse{"auto"};  ///< chains of maps and filters as one loop: auto, always, never
  std::string metrics;       ///< HOST:PORT of /metrics, /healthz and /ready; "" = none
  std::string control;       ///< HOST:PORT of /control/stats (sluice top); "" = none
  std::string ui;            ///< HOST:PORT of the live page; "" = none

  std::string trace;           ///< Chrome trace-event file to write; "" = none
  double trace_sample{0.001};  ///< share of trace ids whose messages get flow events
};

int run_command(const RunArgs& args);
/// `sluice top ADDR`: the progress table of the run serving --control ADDR.
struct TopArgs {
  std::string address;
  double interval_s{0.5};
  std::size_t count{0};  ///< frames to draw; 0 = until the run ends
};
int top_command(const TopArgs& args);
/// `sluice tap ADDR STAGE[.PORT]`: prints messages leaving that output of the
/// run serving --control ADDR.
struct TapArgs {
  std::string address;
  std::string output;
  double rate{100};        ///< messages a second at most; 0 = all it can take
  std::uint64_t limit{0};  ///< then exit; 0 = until the run ends
  std::string format{"payload"};
};
int tap_command(const TapArgs& args);
int check_command(const std::string& file, const std::vector<std::string>& sets,
                  const std::vector<std::string>& plugins);
int graph_command(const std::string& file, const std::vector<std::string>& sets,
                  const std::vector<std::string>& plugins, const std::string& format);
int list_command(const std::string& type, const std::vector<std::string>& plugins);

/// Loads the plugins (`plugins`: the --plugin paths, then the file's own),
/// loads and compiles, printing every diagnostic to stderr. nullopt: errors.
struct Loaded {
  dsl::PipelineSpec spec;
  dsl::CompileResult compiled;
  std::size_t warnings{0};
};
std::optional<Loaded> load_and_compile(const std::string& file,
                                       const std::vector<std::string>& sets,
                                       const std::vector<std::string>& plugins);

/// Prints diagnostics to stderr, sorted, with the error / warning count line
/// when there are errors; returns the number of errors.
std::size_t report(std::vector<dsl::Diagnostic> diagnostics);

/// An option value the way a pipeline file would spell it.
std::string to_toml(const OptionValue& v);

}  // namespace sluice::cli
