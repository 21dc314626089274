#include "runtime/sequencer.hpp"

#include <algorithm>

namespace sluice::detail {
namespace {

std::size_t count(const std::vector<std::vector<Message>>& batches) {
  std::size_t n = 0;
  for (const auto& b : batches) n += b.size();
  return n;
}

}  // namespace

Sequencer::Sequencer(std::size_t ports, std::size_t limit, std::size_t instances)
    : limit_(limit), live_(instances), committed_(ports) {}

std::size_t Sequencer::backlog_locked() const noexcept {
  return early_messages_ + committed_.pending();
}

bool Sequencer::has_room(Waker* self) {
  std::lock_guard lock(mu_);
  if (backlog_locked() < limit_) return true;
  if (std::find(waiting_.begin(), waiting_.end(), self) == waiting_.end()) waiting_.push_back(self);
  return false;
}

OutputBuffer::FlushResult Sequencer::submit(std::uint64_t ticket,
                                            std::vector<std::vector<Message>>& batches,
                                            Waker* self) {
  std::lock_guard lock(mu_);
  if (ticket != next_commit_) {
    early_messages_ += count(batches);
    auto& slot = early_[ticket];
    slot.resize(batches.size());
    for (std::size_t p = 0; p < batches.size(); ++p) slot[p].swap(batches[p]);
    return flush_locked(self);
  }
  committed_.append(batches);
  ++next_commit_;
  for (auto it = early_.begin(); it != early_.end() && it->first == next_commit_;
       it = early_.erase(it)) {
    early_messages_ -= count(it->second);
    committed_.append(it->second);
    ++next_commit_;
  }
  return flush_locked(self);
}

OutputBuffer::FlushResult Sequencer::flush(Waker* self) {
  std::lock_guard lock(mu_);
  return flush_locked(self);
}

OutputBuffer::FlushResult Sequencer::flush_locked(Waker* self) {
  const std::size_t before = backlog_locked();
  auto r = committed_.flush(self);
  if (backlog_locked() < before && backlog_locked() < limit_ && !waiting_.empty()) {
    std::vector<Waker*> wake;
    wake.swap(waiting_);
    for (Waker* w : wake) {
      if (w != self) w->notify();
    }
  }
  return r;
}

bool Sequencer::retire(Waker* self) {
  std::lock_guard lock(mu_);
  if (live_ == 1) {
    // The last instance: no ticket can come any more, so a gap (a batch a
    // stop cut short before it was handed over) must not hold the rest back.
    for (auto& [ticket, batches] : early_) committed_.append(batches);
    early_.clear();
    early_messages_ = 0;
  }
  if (live_ > 1 || backlog_locked() == 0) {
    --live_;
    // Someone may be waiting for room that this instance would have made.
    for (Waker* w : waiting_) {
      if (w != self) w->notify();
    }
    waiting_.clear();
    return true;
  }
  return false;
}

OutputBuffer::FlushResult Sequencer::discard(std::vector<std::vector<Message>>& unsubmitted) {
  std::lock_guard lock(mu_);
  committed_.append(unsubmitted);
  // Order no longer matters: what waited for its turn is lost on the edges
  // like what was committed (a dead letter among it is counted already).
  for (auto& [ticket, batches] : early_) committed_.append(batches);
  early_.clear();
  early_messages_ = 0;
  return committed_.abandon_pending();
}

}  // namespace sluice::detail
