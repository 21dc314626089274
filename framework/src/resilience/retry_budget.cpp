#include <algorithm>
#include <cmath>

#include "sluice/resilience.hpp"

namespace sluice {
inline namespace v1 {

namespace {
constexpr std::int64_t kMilli = 1000;
}

// Integer thousandths of a token, so that the balance is exact: share 0.2
// over 1000 calls is exactly 200 retries, not 199 and a rounding error.
RetryBudget::RetryBudget(double share, std::int64_t reserve)
    : deposit_milli_(std::llround(std::clamp(share, 0.0, 1000.0) * kMilli)),
      cap_milli_(std::max<std::int64_t>(1, reserve) * kMilli),
      balance_milli_(cap_milli_) {}

void RetryBudget::on_call() noexcept {
  std::lock_guard lock(mu_);
  balance_milli_ = std::min(cap_milli_, balance_milli_ + deposit_milli_);
}

bool RetryBudget::try_retry() noexcept {
  std::lock_guard lock(mu_);
  if (balance_milli_ < kMilli) {
    ++throttled_;
    return false;
  }
  balance_milli_ -= kMilli;
  return true;
}

double RetryBudget::balance() const noexcept {
  std::lock_guard lock(mu_);
  return static_cast<double>(balance_milli_) / kMilli;
}

std::uint64_t RetryBudget::throttled() const noexcept {
  std::lock_guard lock(mu_);
  return throttled_;
}

}  // namespace v1
}  // namespace sluice
