#include <algorithm>
#include <utility>

#include "sluice/limits.hpp"

namespace sluice {
inline namespace v1 {

bool Semaphore::try_acquire(Waiter* waiter) {
  std::lock_guard lock(mu_);
  if (available_ > 0) {
    --available_;
    return true;
  }
  if (std::find(waiting_.begin(), waiting_.end(), waiter) == waiting_.end()) {
    waiting_.push_back(waiter);
  }
  return false;
}

void Semaphore::release() {
  std::vector<Waiter*> wake;
  {
    std::lock_guard lock(mu_);
    ++available_;
    wake.swap(waiting_);
  }
  for (Waiter* w : wake) w->notify();
}

std::int64_t Semaphore::available() const {
  std::lock_guard lock(mu_);
  return available_;
}

}  // namespace v1
}  // namespace sluice
