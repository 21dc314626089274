// BatchSizer: how many messages an instance takes next, from what the
// messages it took before cost. A cheap stage (a map: tens of nanoseconds)
// takes up to `max` per turn, so a turn's fixed cost (a lock, a wake-up) is
// shared by hundreds of messages; a slow one (a 20 ms call) takes one at a
// time, so a burst spreads over every instance of a `workers = N` stage
// instead of queueing behind the one that took it first.
//
//   BatchSizer sizer(256, /*shared=*/workers > 1);
//   take(sizer.next());  ...  sizer.record(taken, elapsed_ns);
//
// An instance that shares its input with others (`workers > 1`) takes one
// message on its first turn: nothing is known yet, and one message is all a
// slow stage should take while the others wait for their share. A lone
// instance has nobody to share with and starts at `max`, as a stage that
// picks among what waits (priority, merge) needs. Not thread-safe: one per
// instance.
#pragma once

#include <algorithm>
#include <cstddef>

#include "sluice/clock.hpp"

namespace sluice::detail {

class BatchSizer {
 public:
  /// A turn's worth of work: enough to amortise its fixed cost (~0.5 us) a
  /// hundredfold, short enough that an idle instance never waits long for a
  /// share of a burst.
  static constexpr Nanos kTurnBudget = 100'000;

  explicit BatchSizer(std::size_t max, bool shared = true) noexcept
      : max_(std::max<std::size_t>(1, max)), next_(shared ? 1 : max_) {}

  [[nodiscard]] std::size_t next() const noexcept { return next_; }
  [[nodiscard]] std::size_t max() const noexcept { return max_; }

  /// `messages` took `elapsed` to process.
  void record(std::size_t messages, Nanos elapsed) noexcept {
    if (messages == 0) return;
    const double sample =
        static_cast<double>(std::max<Nanos>(elapsed, 0)) / static_cast<double>(messages);
    // Smoothed, so one odd batch does not swing it far: a dearer one weighs
    // 1/4, a cheaper one 1/2, so that a stall is forgotten within ~10 turns.
    if (cost_ < 0) {
      cost_ = sample;
    } else {
      cost_ += (sample - cost_) / (sample > cost_ ? 4 : 2);
    }
    const double fits = static_cast<double>(kTurnBudget) / std::max(cost_, 1.0);
    next_ = fits >= static_cast<double>(max_)
                ? max_
                : std::max<std::size_t>(1, static_cast<std::size_t>(fits));
  }

 private:
  std::size_t max_;
  std::size_t next_;
  double cost_{-1};  ///< ns per message; < 0: nothing measured yet
};

}  // namespace sluice::detail
