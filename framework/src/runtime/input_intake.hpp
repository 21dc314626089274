// InputIntake: how an instance takes its next batch from its inputs, and
// what it remembers between takes to keep that fair — which input it served
// last, which have ended, which the stage declined (Stage::accepts), and how
// big a batch its stage is worth (BatchSizer).
//
// By default a take serves one input: the next in turn, after the one served
// last, that has something and is accepted. With `interleave_inputs` it takes
// a share of every open input and deals them out one at a time, so that a
// quiet input's message waits behind one round of the others, not behind a
// batch taken long before it came.
//
//   InputIntake intake(node.inputs, BatchSizer(256), /*interleave=*/false);
//   const std::size_t n = intake.take(in, this, stage);  // one input's batch
//
// Not thread-safe: one per instance (several instances of a stage share its
// channels, which are).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "runtime/batch_sizer.hpp"
#include "runtime/channel.hpp"
#include "runtime/waker.hpp"
#include "sluice/stage.hpp"

namespace sluice::detail {

class InputIntake {
 public:
  /// `interleave` applies only with more than one input.
  InputIntake(const std::vector<Channel*>& inputs, BatchSizer sizer, bool interleave);

  [[nodiscard]] BatchSizer& sizer() noexcept { return sizer_; }
  [[nodiscard]] const BatchSizer& sizer() const noexcept { return sizer_; }
  [[nodiscard]] bool interleaving() const noexcept { return interleave_; }
  /// Where the batch last taken by take() came from.
  [[nodiscard]] std::size_t input_index() const noexcept { return input_index_; }
  /// Whether an input has not ended yet.
  [[nodiscard]] bool any_open() const noexcept;
  /// Inputs that ended since the last call (in the order seen); clears them.
  [[nodiscard]] std::vector<std::size_t> take_ended() { return std::exchange(just_ended_, {}); }
  [[nodiscard]] bool any_just_ended() const noexcept { return !just_ended_.empty(); }
  /// Whether an input `stage` declined in the last take is accepted now.
  [[nodiscard]] bool declined_now_accepted(const Stage* stage) const noexcept;

  /// Fills the empty `out` with one input's batch of up to sizer().next()
  /// messages: from the next input in turn that `stage` (when given)
  /// accepts and that has some. 0 when none has; `consumer` is then
  /// recorded on every open input it tried.
  std::size_t take(std::vector<Message>& out, Waker* consumer, const Stage* stage);
  /// Fills the empty `out` with up to `budget` messages dealt one from each
  /// open input in turn.
  std::size_t take_interleaved(std::vector<Message>& out, std::size_t budget, Waker* consumer);

 private:
  const std::vector<Channel*>& inputs_;
  BatchSizer sizer_;
  bool interleave_;
  std::vector<bool> ended_;
  std::vector<std::size_t> just_ended_;  ///< ended, not yet told to the stage
  std::vector<bool> declined_;           ///< per input: skipped by the last take, not accepted
  std::size_t cursor_{0};                ///< the input to try first
  std::size_t input_index_{0};
  std::vector<std::vector<Message>> scratch_;  ///< per input, when interleaving
};

}  // namespace sluice::detail
