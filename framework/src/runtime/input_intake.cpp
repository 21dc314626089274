#include "runtime/input_intake.hpp"

#include <algorithm>
#include <utility>

namespace sluice::detail {

InputIntake::InputIntake(const std::vector<Channel*>& inputs, BatchSizer sizer, bool interleave)
    : inputs_(inputs),
      sizer_(sizer),
      interleave_(interleave && inputs.size() > 1),
      ended_(inputs.size(), false),
      declined_(inputs.size(), false) {}

bool InputIntake::any_open() const noexcept {
  return std::find(ended_.begin(), ended_.end(), false) != ended_.end();
}

bool InputIntake::declined_now_accepted(const Stage* stage) const noexcept {
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    if (declined_[i] && !ended_[i] && stage->accepts(i)) return true;
  }
  return false;
}

std::size_t InputIntake::take(std::vector<Message>& out, Waker* consumer, const Stage* stage) {
  const std::size_t k = inputs_.size();
  // One input: whatever was queued as one batch, handed over whole. Several:
  // a batch from each in turn counted in messages, so that an input whose
  // producer pushes one message at a time gets as many per turn as a busy one.
  const auto fill = k > 1 ? Channel::Fill::count : Channel::Fill::batch;
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t idx = (cursor_ + i) % k;
    declined_[idx] = false;
    if (ended_[idx]) continue;
    if (stage && !stage->accepts(idx)) {
      declined_[idx] = true;
      continue;
    }
    const auto r = inputs_[idx]->pop(out, sizer_.next(), consumer, fill, sizer_.cost_limited());
    if (r.end) {
      ended_[idx] = true;
      just_ended_.push_back(idx);
      continue;
    }
    if (r.count > 0) {
      input_index_ = idx;
      cursor_ = idx + 1;  // next turn starts after the input just served
      return r.count;
    }
  }
  return 0;
}

std::size_t InputIntake::take_interleaved(std::vector<Message>& out, std::size_t budget,
                                          Waker* consumer) {
  const std::size_t k = inputs_.size();
  std::size_t open = 0;
  for (bool ended : ended_) open += ended ? 0 : 1;
  const std::size_t share = std::max<std::size_t>(1, budget / std::max<std::size_t>(1, open));
  scratch_.resize(k);
  std::size_t longest = 0, total = 0;
  for (std::size_t idx = 0; idx < k; ++idx) {
    if (ended_[idx]) continue;
    // Up to `share` messages however they were queued: one batch of a paced
    // input may hold a single message.
    const auto r = inputs_[idx]->pop(scratch_[idx], share, consumer, Channel::Fill::count);
    if (r.end) {
      ended_[idx] = true;
      just_ended_.push_back(idx);
    }
    longest = std::max(longest, r.count);
    total += r.count;
  }
  // One from each input in turn, starting after the input served first last time.
  for (std::size_t round = 0; round < longest; ++round) {
    for (std::size_t i = 0; i < k; ++i) {
      auto& from = scratch_[(cursor_ + i) % k];
      if (round < from.size()) out.push_back(std::move(from[round]));
    }
  }
  for (auto& v : scratch_) v.clear();
  if (total > 0) cursor_ = (cursor_ + 1) % k;
  return total;
}

}  // namespace sluice::detail
