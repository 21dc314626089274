// Runs the real `sluice run` on a pipeline file in a folder, sending it the
// signals of a scenario at their moments, and kills it (a hang) when it
// outlives its deadline: what the process did, for the chaos test to judge.
//
//   chaos::Outcome o = chaos::run_sluice(dir, {"run", "p.toml"}, scenario);
//   if (o.hung) ...; if (o.signal_death) ...; o.exit_code
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace chaos {

struct Scenario {
  enum class Kind { none, run_for, early_signal, late_signal, two_signals };
  Kind kind{Kind::none};
  int signal{0};       ///< SIGINT or SIGTERM, for the signal kinds
  long first_us{0};    ///< first signal, after the start
  long second_us{0};   ///< two_signals: the second, after the first
  long run_for_ms{0};  ///< run_for: [pipeline] run_for
  long drain_timeout_ms{0};
  [[nodiscard]] std::string describe() const;
};

struct Outcome {
  bool hung{false};     ///< outlived its deadline and was killed
  int signal_death{0};  ///< the signal that ended it, 0 when it exited
  int exit_code{-1};    ///< when it exited
  double elapsed_s{0};
  bool sent_first{false};  ///< the first signal was sent while it ran
  bool sent_second{false};
  std::string stderr_tail;  ///< the end of what it wrote on stderr
};

/// How long a run may take: a pipeline that ends by itself within
/// `natural_ms`; a stopped one within its drain_timeout plus the 2 s a
/// cancel waits for a stuck call; a hard-cancelled one within those 2 s;
/// each plus `margin_ms` (a loaded CI machine).
struct Deadlines {
  long natural_ms{30'000};
  long margin_ms{5'000};
};

Outcome run_sluice(const std::filesystem::path& dir, const std::vector<std::string>& args,
                   const Scenario& scenario, const Deadlines& deadlines);

}  // namespace chaos
