#include "tap_queue.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace sluice::cli {

void TapQueue::offer(std::span<const Message> messages) noexcept {
  // On a pipeline thread, under the edge's lock: never wait for the reader.
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    dropped_.fetch_add(messages.size(), std::memory_order_relaxed);
    return;
  }
  if (closed_) return;
  if (rate_ > 0) {
    const auto now = std::chrono::steady_clock::now();
    tokens_ = std::min(std::max(1.0, rate_),
                       tokens_ + std::chrono::duration<double>(now - last_).count() * rate_);
    last_ = now;
  }
  bool added = false;
  try {
    for (const Message& m : messages) {
      if (limit_ > 0 && accepted_ >= limit_) break;
      if (rate_ > 0) {
        if (tokens_ < 1) break;  // sampled out: the rest of this batch is not wanted
        tokens_ -= 1;
      }
      if (queue_.size() >= capacity_) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      queue_.push_back(m);
      ++accepted_;
      added = true;
    }
  } catch (...) {  // out of memory for a copy: the copy is what goes
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
  if (added) cv_.notify_one();
}

std::vector<Message> TapQueue::take(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait, [this] { return closed_ || !queue_.empty(); });
  std::vector<Message> out(std::make_move_iterator(queue_.begin()),
                           std::make_move_iterator(queue_.end()));
  queue_.clear();
  taken_ += out.size();
  return out;
}

void TapQueue::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool TapQueue::finished() {
  std::lock_guard lock(mu_);
  return closed_ || (limit_ > 0 && taken_ >= limit_);
}

std::uint64_t TapQueue::dropped() { return dropped_.load(std::memory_order_relaxed); }

std::string tap_line(const Message& m, bool json) {
  if (!json) return m.payload + "\n";
  nlohmann::ordered_json j;
  j["payload"] = m.payload;
  j["key"] = m.key;
  j["priority"] = m.priority;
  j["seq"] = m.seq;
  j["trace_id"] = m.trace_id;
  auto& attrs = j["attrs"] = nlohmann::ordered_json::object();
  for (const auto& [k, v] : m.attrs) attrs[k] = v;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace sluice::cli
