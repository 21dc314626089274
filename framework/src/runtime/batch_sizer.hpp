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
// Only an instance that shares its input with others (`workers > 1`) sizes
// its batches: it takes one message on its first turn (nothing is known yet,
// and one message is all a slow stage should take while the others wait for
// their share), then what fits the budget. A lone instance has nobody to
// share with and always takes up to `max`: a stage that picks among what
// waits (priority, merge) must see whole batches, whatever the machine's
// speed. Not thread-safe: one per instance.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>

#include "sluice/clock.hpp"

namespace sluice::detail {

class BatchSizer {
 public:
  /// A turn's worth of work: enough to amortise its fixed cost (~0.5 us)
  /// hundreds of times over, and to keep a 1 us stage at whole batches of
  /// 256; short enough that an idle instance never waits long for a share
  /// of a burst.
  static constexpr Nanos kTurnBudget = 300'000;

  explicit BatchSizer(std::size_t max, bool shared = true) noexcept
      : max_(std::max<std::size_t>(1, max)), next_(shared ? 1 : max_), shared_(shared) {}

  [[nodiscard]] std::size_t next() const noexcept { return next_; }
  [[nodiscard]] std::size_t max() const noexcept { return max_; }
  /// Whether it sizes batches at all (its instance shares its input).
  [[nodiscard]] bool shared() const noexcept { return shared_; }
  /// Whether what the messages cost, not `max`, sets the next take.
  [[nodiscard]] bool cost_limited() const noexcept { return next_ < max_; }

  /// `messages` took `elapsed` to process.
  void record(std::size_t messages, Nanos elapsed) noexcept {
    if (messages == 0 || !shared_) return;
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
    // A power of two: producers queue batches of `max` (256) or halves of
    // it, and a take that divides them leaves no fragment behind for an
    // extra turn (250 of 256 would leave 6). 4% on a 1 us fan-out.
    next_ = fits >= static_cast<double>(max_)
                ? max_
                : std::bit_floor(std::max<std::size_t>(1, static_cast<std::size_t>(fits)));
  }

 private:
  std::size_t max_;
  std::size_t next_;
  bool shared_;
  double cost_{-1};  ///< ns per message; < 0: nothing measured yet
};

}  // namespace sluice::detail
