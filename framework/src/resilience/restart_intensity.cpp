#include <algorithm>

#include "sluice/resilience.hpp"

namespace sluice {
inline namespace v1 {

std::optional<Nanos> RestartIntensity::admit(Nanos now) {
  std::lock_guard lock(mu_);
  while (!recent_.empty() && now - recent_.front() >= policy_.within) recent_.pop_front();
  if (static_cast<std::int64_t>(recent_.size()) >= policy_.max_restarts) return std::nullopt;
  // The first restart in a quiet period waits initial_backoff; each further
  // one twice the last, up to max_backoff.
  Nanos delay = policy_.initial_backoff;
  for (std::size_t i = 0; i < recent_.size() && delay < policy_.max_backoff; ++i) {
    delay = delay > policy_.max_backoff / 2 ? policy_.max_backoff : delay * 2;
  }
  recent_.push_back(now);
  return std::min(delay, policy_.max_backoff);
}

}  // namespace v1
}  // namespace sluice
