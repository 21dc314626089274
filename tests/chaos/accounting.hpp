// The README's counter identities, checked on the `--stats-json` of a run of a
// random pipeline: the document is complete (every stage and edge the file
// declares, every counter), every edge has offered = taken + dropped +
// abandoned + depth and is empty at the end, every stage took what its input
// edges gave it and gave its output edges what it counts as out, and each
// type keeps its relation (1:1 stages in = out + filtered + dropped +
// dead_letter + rejected + abandoned; broadcast, batch and count theirs).
//
//   auto problems = chaos::check_accounting(stats, pipeline, {.clean = true});
//   EXPECT_TRUE(problems.empty()) << join(problems);
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "random_pipeline.hpp"

namespace chaos {

struct Expectations {
  /// The run ended by itself with status ok: nothing may be abandoned but
  /// by a stage that a `take` or `gate` stopped early, or at its inputs.
  bool clean{false};
  /// The run failed because a stage stuck in a call outlasted the cancel:
  /// it ended without draining, so edges may still hold messages (and on
  /// few threads, the stuck call kept other stages from being scheduled).
  bool stuck{false};
};

/// Every violation found, one line each; empty when the stats are sound.
std::vector<std::string> check_accounting(const nlohmann::json& stats, const RandomPipeline& p,
                                          const Expectations& expect);

}  // namespace chaos
