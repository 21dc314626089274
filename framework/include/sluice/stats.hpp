// Counters of a run, as `--stats-json` writes them (README: The CLI). Readable
// while the pipeline runs (a snapshot) and after it ends.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sluice {
inline namespace v1 {

struct StageStats {
  std::string name;
  std::uint64_t in{0};
  std::uint64_t out{0};
  std::uint64_t filtered{0};
  std::uint64_t dropped{0};
  std::uint64_t errors{0};
  std::uint64_t retries{0};
  std::uint64_t dead_letter{0};
  std::uint64_t rejected{0};
  std::uint64_t abandoned{0};                     ///< taken but never finished (hard cancel)
  std::uint64_t expired{0};                       ///< taken past their deadline, not processed
  std::uint64_t restarts{0};                      ///< supervised restarts (reopens, rebuilds)
  double busy_s{0};                               ///< processing
  double blocked_s{0};                            ///< parked on a full output
  std::map<std::string, std::uint64_t> counters;  ///< stage-specific
  std::string breaker{};                          ///< its circuit breaker's name, if any
  std::string breaker_state{};                    ///< closed, open or half_open
  /// Chain fusion: the stage whose loop runs this one; its busy time counts there.
  std::string fused_into{};
};

struct EdgeStats {
  std::string from;  ///< "stage" or "stage.port"
  std::string to;
  std::uint64_t capacity{0};
  std::uint64_t depth{0};
  std::uint64_t max_depth{0};
  std::uint64_t offered{0};    ///< what the producer emitted on this edge
  std::uint64_t taken{0};      ///< what the consumer took from it
  std::uint64_t dropped{0};    ///< discarded by the overflow policy
  std::uint64_t abandoned{0};  ///< left in the queue when its consumer stopped
  double blocked_s{0};         ///< producers parked because this edge was full
  bool fused{false};           ///< inside a fused chain: no queue, a direct call
};

struct Stats {
  std::string pipeline;
  std::string status;  ///< "running", "ok", "failed" or "interrupted"
  double elapsed_s{0};
  std::vector<StageStats> stages;
  std::vector<EdgeStats> edges;
};

/// The `--stats-json` document.
std::string to_json(const Stats& stats);

}  // namespace v1
}  // namespace sluice
