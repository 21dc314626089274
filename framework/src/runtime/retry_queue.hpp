// RetryQueue: the messages of one instance that failed an attempt and wait
// out their backoff before the next. A min-heap on when each is due, then on
// the order they were parked, so retries due at the same time go in the
// order they failed; other messages flow past them meanwhile. The
// instance arms its timer for next_due() and takes what is due each turn.
//
//   queue.park(now + delay, {.attempt = 2, .previous_delay = delay}, std::move(m));
//   queue.take_due(clock.now(), batch, in, in_states);
//
// Not thread-safe: one per instance.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sluice/clock.hpp"
#include "sluice/message.hpp"

namespace sluice::detail {

/// Where a message stands in its attempts.
struct AttemptState {
  std::int64_t attempt{1};
  Nanos previous_delay{0};
  Nanos due{0};  ///< ordered stages wait for a retry in line: not before this
};

class RetryQueue {
 public:
  [[nodiscard]] bool empty() const noexcept { return parked_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return parked_.size(); }
  /// When the earliest retry is due; the queue must not be empty.
  [[nodiscard]] Nanos next_due() const noexcept { return parked_.front().due; }

  /// Parks `message` until `due` (its state's own `due` is left as given).
  void park(Nanos due, AttemptState state, Message&& message);
  /// Moves the retries due at `now`, earliest first, onto the back of `out`
  /// (and their states onto `states`) while `out` holds fewer than `limit`.
  /// Returns how many it moved.
  std::size_t take_due(Nanos now, std::size_t limit, std::vector<Message>& out,
                       std::vector<AttemptState>& states);
  /// Drops every parked message (a stop cut their retries short); returns how many.
  std::size_t clear() noexcept;

 private:
  struct Parked {
    Nanos due;
    std::uint64_t order;
    AttemptState state;
    Message message;
  };
  static bool later(const Parked& a, const Parked& b) noexcept {
    return a.due != b.due ? a.due > b.due : a.order > b.order;
  }

  std::vector<Parked> parked_;
  std::uint64_t order_{0};
};

}  // namespace sluice::detail
