// sluice: run, check, draw and list pipelines declared in TOML (README: The CLI).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

#include "commands.hpp"
#include "sluice/dsl/did_you_mean.hpp"
#include "sluice/dsl/schemas.hpp"
#include "sluice/plugin.hpp"

int main(int argc, char** argv) {
  using sluice::cli::RunArgs;
  CLI::App app{"sluice: dataflow pipelines declared in TOML", "sluice"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "sluice " SLUICE_VERSION " (plugin ABI " +
                                        std::to_string(sluice::kPluginAbiVersion) + ")");

  RunArgs run_args;
  auto* run = app.add_subcommand("run", "run a pipeline");
  run->add_option("FILE", run_args.file, "pipeline file")->required();
  run->add_option("--threads", run_args.threads, "task arena workers (overrides the file)")
      ->check([](const std::string& value) -> std::string {
        // CLI11's PositiveNumber prints its range as 0 to DBL_MAX, 300 digits long.
        // The bound is [pipeline] threads's.
        const auto max =
            static_cast<std::size_t>(*sluice::dsl::pipeline_schema().find("threads")->max);
        std::size_t n = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc() || end != value.data() + value.size() || n == 0) {
          return "must be a whole number of at least 1, not '" + value + "'";
        }
        if (n > max) return "must be at most " + std::to_string(max) + ", not '" + value + "'";
        return {};
      });
  run->add_option("--set", run_args.sets, "override KEY=VALUE before validation (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--stats-json", run_args.stats_json, "write the run's counters here at exit");
  run->add_option("--progress", run_args.progress, "per-stage progress on stderr")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  run->add_option("--log-format", run_args.log_format, "log line format")
      ->check(CLI::IsMember({"text", "json"}));
  run->add_option("--plugin", run_args.plugins, "load a plugin library (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--fuse", run_args.fuse,
                  "run chains of maps and filters as one loop (auto: with one thread)")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  run->add_option("--metrics", run_args.metrics,
                  "serve Prometheus /metrics, /healthz and /ready at HOST:PORT during the run")
      ->type_name("ADDR");
  run->add_option("--control", run_args.control,
                  "serve /control/stats at HOST:PORT for `sluice top` (may equal --metrics)")
      ->type_name("ADDR");
  run->add_option("--ui", run_args.ui,
                  "serve a live page of the graph and its numbers at http://HOST:PORT/ "
                  "(may equal --metrics or --control)")
      ->type_name("ADDR");
  CLI::Option* trace =
      run->add_option("--trace", run_args.trace,
                      "write a Chrome trace-event file of the run (open it in Perfetto)")
          ->type_name("FILE");
  run->add_option("--trace-sample", run_args.trace_sample,
                  "share of messages whose hops the trace links with flow arrows (default 0.001)")
      ->type_name("P")
      ->needs(trace)  // alone it would do nothing
      ->check([](const std::string& value) -> std::string {
        char* end = nullptr;
        const double p = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0' || !(p >= 0) || p > 1) {
          return "must be a number from 0 to 1, not '" + value + "'";
        }
        return {};
      });

  sluice::cli::TopArgs top_args;
  auto* top = app.add_subcommand("top", "the progress table of a run started with --control");
  top->add_option("ADDR", top_args.address, "the run's --control HOST:PORT")->required();
  top->add_option("--interval", top_args.interval_s, "seconds between redraws")
      ->check(CLI::Range(0.05, 3600.0));
  top->add_option("--count", top_args.count, "draw this many frames, then exit (0: until the end)");

  sluice::cli::TapArgs tap_args;
  auto* tap =
      app.add_subcommand("tap", "print messages leaving a stage of a run started with --control");
  tap->add_option("ADDR", tap_args.address, "the run's --control HOST:PORT")->required();
  tap->add_option("OUTPUT", tap_args.output, "STAGE or STAGE.PORT")->required();
  tap->add_option("--rate", tap_args.rate,
                  "messages a second at most (0: as many as it keeps up with)")
      ->check([](const std::string& value) -> std::string {
        char* end = nullptr;
        const double r = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0' || !(r >= 0) || r > 1e9) {
          return "must be a number from 0 to 1e9, not '" + value + "'";
        }
        return {};
      });
  tap->add_option("--limit", tap_args.limit, "print this many, then exit (0: until the run ends)");
  tap->add_option("--format", tap_args.format, "payload lines or JSON objects")
      ->check(CLI::IsMember({"payload", "json"}));

  std::string file;
  std::vector<std::string> sets;
  std::vector<std::string> plugins;
  auto add_plugin_option = [&plugins](CLI::App* command) {
    command->add_option("--plugin", plugins, "load a plugin library (repeatable)")
        ->allow_extra_args(false);
  };
  auto* check = app.add_subcommand("check", "validate a pipeline; prints a one-line summary");
  check->add_option("FILE", file, "pipeline file")->required();
  check->add_option("--set", sets, "override KEY=VALUE before validation (repeatable)")
      ->allow_extra_args(false);
  add_plugin_option(check);

  std::string format = "dot";
  auto* graph = app.add_subcommand("graph", "print the pipeline's graph");
  graph->add_option("FILE", file, "pipeline file")->required();
  graph->add_option("--format", format, "output format")->check(CLI::IsMember({"dot", "mermaid"}));
  graph->add_option("--set", sets, "override KEY=VALUE before validation (repeatable)")
      ->allow_extra_args(false);
  add_plugin_option(graph);

  std::string type;
  auto* list = app.add_subcommand("list", "stage types and their options");
  list->add_option("TYPE", type, "show this type's options");
  add_plugin_option(list);

  // A first word that is no subcommand: CLI11 would only say "A subcommand
  // is required".
  if (argc > 1 && argv[1][0] != '-') {
    const std::vector<std::string> commands = {"run", "check", "graph", "list", "top", "tap"};
    const std::string word = argv[1];
    if (std::find(commands.begin(), commands.end(), word) == commands.end()) {
      std::fprintf(stderr, "sluice: error: unknown command '%s'\n", word.c_str());
      const auto close = sluice::dsl::did_you_mean(word, commands);
      std::fprintf(
          stderr, "  hint: %s\n",
          close ? ("did you mean '" + *close + "'?").c_str()
                : "the commands are run, check, graph, list, top and tap; see sluice --help");
      return sluice::cli::kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? sluice::cli::kExitOk : sluice::cli::kExitUsage;
  }
  try {
    if (*run) return sluice::cli::run_command(run_args);
    if (*check) return sluice::cli::check_command(file, sets, plugins);
    if (*graph) return sluice::cli::graph_command(file, sets, plugins, format);
    if (*list) return sluice::cli::list_command(type, plugins);
    if (*top) return sluice::cli::top_command(top_args);
    if (*tap) return sluice::cli::tap_command(tap_args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice: error: %s\n", e.what());
    return sluice::cli::kExitFailed;
  }
  return sluice::cli::kExitUsage;
}
