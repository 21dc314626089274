#include "prometheus.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <initializer_list>
#include <utility>

namespace sluice::cli {
namespace {

/// Builds the exposition one family at a time: HELP and TYPE once, then its samples.
class Exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name,
                   type);
    name_ = name;
  }
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;
  /// One sample of the current family.
  void sample(Labels labels, std::uint64_t value) {
    series(labels);
    fmt::format_to(std::back_inserter(out_), " {}\n", value);
  }
  void sample(Labels labels, double value) {
    series(labels);
    fmt::format_to(std::back_inserter(out_), " {}\n", value);  // shortest exact: 0.25, 1e-05
  }
  [[nodiscard]] std::string take() { return std::move(out_); }

 private:
  void series(Labels labels) {
    out_ += name_;
    if (labels.size() == 0) return;
    out_ += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out_ += ',';
      first = false;
      fmt::format_to(std::back_inserter(out_), "{}=\"{}\"", k, escape_label_value(v));
    }
    out_ += '}';
  }

  std::string out_;
  std::string name_;
};

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string prometheus_text(const Stats& stats, const ProcessStats& process) {
  Exposition e;
  e.family("sluice_pipeline_running", "gauge", "1 while the pipeline runs, 0 once it has ended.");
  e.sample({{"pipeline", stats.pipeline}}, std::uint64_t{stats.status == "running" ? 1u : 0u});
  e.family("sluice_pipeline_elapsed_seconds", "gauge", "Seconds since the pipeline started.");
  e.sample({{"pipeline", stats.pipeline}}, stats.elapsed_s);

  e.family("sluice_stage_messages_total", "counter",
           "Messages per stage: taken (in), passed on or written (out), filtered, dropped, sent "
           "to dead_letter, rejected by an open breaker, abandoned by a hard cancel.");
  for (const StageStats& s : stats.stages) {
    for (const auto& [kind, n] : {std::pair<std::string_view, std::uint64_t>{"in", s.in},
                                  {"out", s.out},
                                  {"filtered", s.filtered},
                                  {"dropped", s.dropped},
                                  {"dead_letter", s.dead_letter},
                                  {"rejected", s.rejected},
                                  {"abandoned", s.abandoned}}) {
      e.sample({{"stage", s.name}, {"kind", kind}}, n);
    }
  }
  e.family("sluice_stage_errors_total", "counter", "Failed stage calls, retried ones included.");
  for (const StageStats& s : stats.stages) e.sample({{"stage", s.name}}, s.errors);
  e.family("sluice_stage_retries_total", "counter", "Retries a stage's retry policy made.");
  for (const StageStats& s : stats.stages) e.sample({{"stage", s.name}}, s.retries);
  e.family("sluice_stage_restarts_total", "counter",
           "Supervised restarts: a source reopened, a stage or sink rebuilt.");
  for (const StageStats& s : stats.stages) e.sample({{"stage", s.name}}, s.restarts);
  e.family("sluice_stage_busy_seconds_total", "counter",
           "Seconds a stage's instances spent processing (a fused stage's count in its chain's "
           "first).");
  for (const StageStats& s : stats.stages) e.sample({{"stage", s.name}}, s.busy_s);
  e.family("sluice_stage_blocked_seconds_total", "counter",
           "Seconds a stage's instances spent parked on a full output.");
  for (const StageStats& s : stats.stages) e.sample({{"stage", s.name}}, s.blocked_s);
  e.family("sluice_stage_counter_total", "counter", "A stage type's own counters (add_counter).");
  for (const StageStats& s : stats.stages) {
    for (const auto& [name, n] : s.counters) e.sample({{"stage", s.name}, {"counter", name}}, n);
  }
  e.family("sluice_breaker_state", "gauge",
           "1 for the state a stage's circuit breaker is in (closed, open, half_open), else 0.");
  for (const StageStats& s : stats.stages) {
    if (s.breaker.empty()) continue;
    for (const std::string_view state : {"closed", "open", "half_open"}) {
      e.sample({{"stage", s.name}, {"breaker", s.breaker}, {"state", state}},
               std::uint64_t{s.breaker_state == state ? 1u : 0u});
    }
  }

  e.family("sluice_edge_depth", "gauge", "Messages queued on an edge now.");
  for (const EdgeStats& d : stats.edges) e.sample({{"from", d.from}, {"to", d.to}}, d.depth);
  e.family("sluice_edge_max_depth", "gauge", "The most messages an edge has held.");
  for (const EdgeStats& d : stats.edges) e.sample({{"from", d.from}, {"to", d.to}}, d.max_depth);
  e.family("sluice_edge_capacity", "gauge", "The most messages an edge may hold.");
  for (const EdgeStats& d : stats.edges) e.sample({{"from", d.from}, {"to", d.to}}, d.capacity);
  e.family("sluice_edge_messages_total", "counter",
           "Messages per edge: offered by its producer, taken by its consumer, dropped by its "
           "overflow policy, abandoned in its queue.");
  for (const EdgeStats& d : stats.edges) {
    for (const auto& [kind, n] : {std::pair<std::string_view, std::uint64_t>{"offered", d.offered},
                                  {"taken", d.taken},
                                  {"dropped", d.dropped},
                                  {"abandoned", d.abandoned}}) {
      e.sample({{"from", d.from}, {"to", d.to}, {"kind", kind}}, n);
    }
  }
  e.family("sluice_edge_blocked_seconds_total", "counter",
           "Seconds producers spent parked because an edge was full.");
  for (const EdgeStats& d : stats.edges) e.sample({{"from", d.from}, {"to", d.to}}, d.blocked_s);

  e.family("process_cpu_seconds_total", "counter", "User and system CPU time of the process.");
  e.sample({}, process.cpu_seconds);
  e.family("process_resident_memory_bytes", "gauge", "Resident memory of the process.");
  e.sample({}, process.resident_bytes);
  e.family("process_virtual_memory_bytes", "gauge", "Virtual memory of the process.");
  e.sample({}, process.virtual_bytes);
  e.family("process_threads", "gauge", "Threads of the process.");
  e.sample({}, process.threads);
  e.family("process_start_time_seconds", "gauge",
           "Start time of the process since the Unix epoch.");
  e.sample({}, process.start_time_seconds);
  return e.take();
}

}  // namespace sluice::cli
