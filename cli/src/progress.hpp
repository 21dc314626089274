// The per-stage progress table of `sluice run` (`--progress`), as text.
// A pure function of two stats snapshots, so that it can be tested without a
// terminal; progress_display.hpp draws it.
//
//   std::string frame = render_progress(before, now, 0.25, instances);
//   // quickstart  running  3.2s
//   // stage        in     out  rate/s  queue  busy  blocked  dropped  errors
//   // events        0      20    10.0      -    1%       0%        0       0
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "sluice/stats.hpp"

namespace sluice::cli {

/// Parallel instances of each stage (its `workers`); a stage not named has one.
using Instances = std::map<std::string, std::size_t, std::less<>>;

/// The table for the interval from `before` to `now`, `interval_s` of wall time
/// long, one line per stage of `now` ending in '\n', after a title line.
///
/// - `in`, `out`, `errors`: `now`'s counters.
/// - `rate/s`: messages per second over the interval; what a stage took, or for
///   a stage without inputs (a source) what it emitted.
/// - `queue`: the fill of its input edges, sum of depths over sum of
///   capacities; `-` for a source.
/// - `busy`, `blocked`: the growth of busy_s / blocked_s over the interval, as
///   a share of the interval's wall time times the stage's instances (at most
///   100%: an instance cannot be busy for longer than the interval).
/// - `dropped`: discarded by the stage itself plus by overflow on its inputs.
/// - `breaker`: when some stage has a circuit breaker, its state (closed,
///   open, half_open; `-` for stages without one).
///
/// Stages missing from `before` count from zero, so `render_progress({}, s,
/// s.elapsed_s, ...)` summarises a whole run with average rates and shares.
std::string render_progress(const Stats& before, const Stats& now, double interval_s,
                            const Instances& instances);

/// A count in at most 6 characters: 99999, 123.4k, 12.3M, 1.2G.
std::string compact_count(std::uint64_t value);

/// A rate in at most 6 characters: 0.0, 999.9, 12.3k, 1.2M.
std::string compact_rate(double per_second);

}  // namespace sluice::cli
