#include "builtins/webhook/intake.hpp"

#include <algorithm>
#include <utility>

namespace sluice::builtins::webhook {

Request::Request(std::vector<Message> messages)
    : count_(messages.size()), messages_(std::move(messages)) {}

void Request::attach_acks(const std::shared_ptr<Request>& self) {
  for (std::size_t i = 0; i < messages_.size(); ++i) messages_[i].ack = AckRef::make(self, i);
}

Request::State Request::wait_taken(std::optional<SteadyTime> deadline) {
  std::unique_lock lock(mu_);
  const auto done = [&] { return state_ != State::queued; };
  if (deadline) {
    cv_.wait_until(lock, *deadline, done);
  } else {
    cv_.wait(lock, done);
  }
  return state_;
}

std::size_t Request::taken() const {
  const std::lock_guard lock(mu_);
  return taken_;
}

std::optional<Request::Settled> Request::wait_settled(SteadyTime deadline) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_until(lock, deadline, [&] { return settled_ == count_; })) return std::nullopt;
  return result_;
}

void Request::settle(std::uint64_t, AckOutcome outcome, std::string_view error) noexcept {
  const std::lock_guard lock(mu_);
  result_.outcome = std::max(result_.outcome, outcome);
  if (result_.error.empty() && !error.empty()) {
    try {
      result_.error = error;
    } catch (...) {  // out of memory: the outcome alone still says it failed
    }
  }
  if (++settled_ == count_) cv_.notify_all();
}

void Request::discard() {
  std::vector<Message> graveyard = std::exchange(messages_, {});
  for (auto& m : graveyard) m.ack.fail(AckOutcome::abandoned);
  set_state(State::withdrawn, 0);
}

void Request::set_state(State s, std::size_t taken) {
  const std::lock_guard lock(mu_);
  state_ = s;
  taken_ = taken;
  cv_.notify_all();
}

Intake::Offer Intake::offer(const std::shared_ptr<Request>& r, SteadyTime deadline) {
  if (r->size() > capacity_) return Offer::too_big;
  std::unique_lock lock(mu_);
  const bool room = room_.wait_until(lock, deadline,
                                     [&] { return stopped_ || queued_ + r->size() <= capacity_; });
  if (stopped_) return Offer::stopped;
  if (!room) return Offer::full;
  queued_ += r->size();
  queue_.push_back(r);
  return Offer::queued;
}

bool Intake::withdraw(const std::shared_ptr<Request>& r) {
  std::vector<Message> graveyard;
  {
    const std::lock_guard lock(mu_);
    const auto it = std::find(queue_.begin(), queue_.end(), r);
    if (it == queue_.end() || r->next_ != 0) return false;
    drop_locked(*r, graveyard);
    queue_.erase(it);
    room_.notify_all();
  }
  return true;  // the graveyard's handles settle (abandoned) here, unlocked
}

std::size_t Intake::take(std::size_t budget, const std::function<void(Message&&)>& emit) {
  std::size_t moved = 0;
  const std::lock_guard lock(mu_);
  while (moved < budget && !queue_.empty()) {
    Request& r = *queue_.front();
    const std::size_t n = std::min(budget - moved, r.messages_.size() - r.next_);
    for (std::size_t i = 0; i < n; ++i) emit(std::move(r.messages_[r.next_++]));
    moved += n;
    queued_ -= n;
    if (r.next_ < r.messages_.size()) {
      r.set_state(Request::State::queued, r.next_);
      break;
    }
    r.messages_.clear();
    r.set_state(Request::State::taken, r.next_);
    queue_.pop_front();
  }
  if (moved > 0) room_.notify_all();
  return moved;
}

std::size_t Intake::stop() {
  std::vector<Message> graveyard;
  {
    const std::lock_guard lock(mu_);
    stopped_ = true;
    for (const auto& r : queue_) drop_locked(*r, graveyard);
    queue_.clear();
    room_.notify_all();
  }
  return graveyard.size();
}

std::size_t Intake::queued() const {
  const std::lock_guard lock(mu_);
  return queued_;
}

void Intake::drop_locked(Request& r, std::vector<Message>& graveyard) {
  for (std::size_t i = r.next_; i < r.messages_.size(); ++i) {
    // Released unmarked, a handle would report success; these never ran.
    r.messages_[i].ack.fail(AckOutcome::abandoned);
    graveyard.push_back(std::move(r.messages_[i]));
  }
  queued_ -= r.messages_.size() - r.next_;
  r.messages_.clear();
  r.set_state(Request::State::withdrawn, r.next_);
}

}  // namespace sluice::builtins::webhook
