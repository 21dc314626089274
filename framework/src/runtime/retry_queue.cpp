#include "runtime/retry_queue.hpp"

#include <algorithm>
#include <utility>

namespace sluice::detail {

void RetryQueue::park(Nanos due, AttemptState state, Message&& message) {
  parked_.push_back(Parked{due, order_++, state, std::move(message)});
  std::push_heap(parked_.begin(), parked_.end(), later);
}

std::size_t RetryQueue::take_due(Nanos now, std::size_t limit, std::vector<Message>& out,
                                 std::vector<AttemptState>& states) {
  std::size_t taken = 0;
  while (!parked_.empty() && parked_.front().due <= now && out.size() < limit) {
    std::pop_heap(parked_.begin(), parked_.end(), later);
    out.push_back(std::move(parked_.back().message));
    states.push_back(parked_.back().state);
    parked_.pop_back();
    ++taken;
  }
  return taken;
}

std::size_t RetryQueue::clear() noexcept {
  const std::size_t n = parked_.size();
  parked_.clear();
  return n;
}

}  // namespace sluice::detail
