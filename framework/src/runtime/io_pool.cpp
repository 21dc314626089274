#include "runtime/io_pool.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace sluice::detail {

namespace {

/// A wait past this would overflow the condition variable's deadline.
constexpr Nanos kLongestIdle = 24 * 3600 * kNanosPerSecond;

}  // namespace

IoPool::IoPool(std::size_t max_threads, Nanos idle)
    : max_threads_(std::max<std::size_t>(1, max_threads)),
      idle_(std::clamp<Nanos>(idle, 0, kLongestIdle)) {}

IoPool::~IoPool() { shutdown(); }

void IoPool::submit(std::function<void()> job, bool caller_frees_a_thread) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
    // Jobs already queued are waiting for the idle threads too.
    const std::size_t free_soon = idle_threads_ + (caller_frees_a_thread ? 1 : 0);
    if (free_soon < jobs_.size() && live_ < max_threads_) {
      reap_locked();
      ++live_;
      threads_.emplace_back([this] { loop(); });
      return;
    }
  }
  cv_.notify_one();
}

void IoPool::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    ++idle_threads_;
    const bool woken = cv_.wait_for(lock, std::chrono::nanoseconds(idle_),
                                    [this] { return stopping_ || !jobs_.empty(); });
    --idle_threads_;
    if (jobs_.empty()) {
      if (!woken && !stopping_) ended_.push_back(std::this_thread::get_id());
      --live_;
      return;  // stopping and drained, or idle for too long
    }
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

void IoPool::reap_locked() {
  for (const std::thread::id id : ended_) {
    const auto it = std::find_if(threads_.begin(), threads_.end(),
                                 [id](const std::thread& t) { return t.get_id() == id; });
    if (it == threads_.end()) continue;
    it->join();  // it has left loop(): this waits only for its exit
    threads_.erase(it);
  }
  ended_.clear();
}

void IoPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    ended_.clear();
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
}

}  // namespace sluice::detail
