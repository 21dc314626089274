#include "runtime/timer_service.hpp"

#include <chrono>

namespace sluice::detail {

TimerService::TimerService(const Clock& clock) : clock_(clock) {
  if (!clock_.is_manual()) thread_ = std::thread([this] { loop(); });
}

TimerService::~TimerService() { shutdown(); }

void TimerService::schedule(Nanos deadline, TimerTarget* target) {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    const bool earliest = heap_.empty() || deadline < heap_.top().deadline;
    heap_.push({deadline, next_order_++, target});
    if (!earliest) return;
  }
  cv_.notify_one();
}

std::vector<TimerService::Entry> TimerService::take_due_locked(Nanos now) {
  std::vector<Entry> due;
  while (!heap_.empty() && heap_.top().deadline <= now) {
    due.push_back(heap_.top());
    heap_.pop();
  }
  return due;
}

std::size_t TimerService::fire_due() {
  std::vector<Entry> due;
  {
    std::lock_guard lock(mu_);
    due = take_due_locked(clock_.now());
  }
  for (const Entry& e : due) e.target->on_deadline(e.deadline);
  return due.size();
}

void TimerService::loop() {
  std::unique_lock lock(mu_);
  while (!stopped_) {
    if (heap_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const Nanos next = heap_.top().deadline;
    const Nanos now = clock_.now();
    if (next > now) {
      // The steady clock and SteadyClock share an epoch.
      cv_.wait_until(lock, std::chrono::steady_clock::time_point(std::chrono::nanoseconds(next)));
      continue;
    }
    std::vector<Entry> due = take_due_locked(now);
    lock.unlock();
    for (const Entry& e : due) e.target->on_deadline(e.deadline);
    lock.lock();
  }
}

void TimerService::shutdown() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    heap_ = {};
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::size_t TimerService::pending() const {
  std::lock_guard lock(mu_);
  return heap_.size();
}

}  // namespace sluice::detail
