#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "sluice/limits.hpp"

namespace sluice {
inline namespace v1 {
namespace {

Nanos interval_of(const RateLimiter::Config& c) {
  if (c.rate <= 0) return RateLimiter::kForever;
  const double ns = static_cast<double>(c.per) / c.rate;
  if (ns >= static_cast<double>(RateLimiter::kForever)) return RateLimiter::kForever;
  return std::max<Nanos>(1, std::llround(ns));
}

/// a + b, saturating at kForever: a duration that overflows is infinite.
Nanos add(Nanos a, Nanos b) {
  if (b > 0 && a > RateLimiter::kForever - b) return RateLimiter::kForever;
  return a + b;
}

Nanos mul(std::int64_t n, Nanos t) {
  if (n != 0 && t > RateLimiter::kForever / n) return RateLimiter::kForever;
  return n * t;
}

}  // namespace

RateLimiter::RateLimiter(Config config, Nanos now)
    : config_(config), interval_(interval_of(config)), tat_(now), last_(now) {
  if (config_.burst < 1) throw std::invalid_argument("burst must be at least 1");
  if (config_.per <= 0) throw std::invalid_argument("per must be positive");
  const std::int64_t initial =
      config_.initial_tokens < 0 ? config_.burst : std::min(config_.initial_tokens, config_.burst);
  zero_rate_left_ = initial;
  if (interval_ != kForever) tat_ = add(now, mul(config_.burst - initial, interval_));
}

void RateLimiter::rebase_locked(Nanos now) {
  // Time went backwards: move the schedule back with it, so the jump neither
  // refills the bucket nor stalls it.
  if (now < last_) tat_ -= last_ - now;
  last_ = now;
}

RateLimiter::Grant RateLimiter::acquire(Nanos now, std::int64_t n) {
  std::lock_guard lock(mu_);
  return acquire_locked(now, n);
}

RateLimiter::Grant RateLimiter::acquire(const Clock& clock, std::int64_t n) {
  std::lock_guard lock(mu_);
  return acquire_locked(clock.now(), n);
}

RateLimiter::Grant RateLimiter::acquire(const Clock& clock, std::int64_t n, Nanos waited) {
  std::lock_guard lock(mu_);
  return acquire_locked(clock.now(), n, waited);
}

RateLimiter::Grant RateLimiter::acquire_locked(Nanos now, std::int64_t n, Nanos waited) {
  rebase_locked(now);
  Grant g;
  g.at = now;
  if (n > config_.burst) {
    g.outcome = Outcome::rejected_over_burst;
  } else if (interval_ == kForever) {
    if (zero_rate_left_ >= n) {
      zero_rate_left_ -= n;
    } else {
      g.outcome = Outcome::rejected_rate_zero;
    }
  } else {
    const Nanos next_tat = add(std::max(tat_, now), mul(n, interval_));
    const Nanos allow_at = next_tat - mul(config_.burst, interval_);
    const Nanos at = std::max(now, allow_at);
    const Nanos wait_left =
        config_.max_wait == kForever ? kForever : config_.max_wait - std::max<Nanos>(0, waited);
    if (at > now && config_.mode == Mode::drop) {
      g.outcome = Outcome::rejected_drop;
    } else if (at - now > wait_left || next_tat == kForever) {
      g.outcome = Outcome::rejected_max_wait;
    } else {
      tat_ = next_tat;
      g.at = at;
    }
  }
  if (g.granted()) {
    ++granted_;
  } else {
    ++rejected_;
  }
  return g;
}

double RateLimiter::tokens_at(Nanos t) const {
  std::lock_guard lock(mu_);
  if (interval_ == kForever) return static_cast<double>(zero_rate_left_);
  const double behind = static_cast<double>(tat_ - t) / static_cast<double>(interval_);
  return std::min(static_cast<double>(config_.burst), static_cast<double>(config_.burst) - behind);
}

std::uint64_t RateLimiter::granted() const {
  std::lock_guard lock(mu_);
  return granted_;
}

std::uint64_t RateLimiter::rejected() const {
  std::lock_guard lock(mu_);
  return rejected_;
}

}  // namespace v1
}  // namespace sluice
