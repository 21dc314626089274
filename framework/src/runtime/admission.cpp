#include "runtime/admission.hpp"

namespace sluice::detail {

Admission::Gate Admission::admit() {
  if (limiter_) {
    if (!token_reserved_) {
      const auto g = limiter_->acquire(clock_, 1, clock_.now() - taken_at_);
      const Nanos now = clock_.now();
      if (!g.granted()) return Gate::skip;  // drop mode, max_wait, rate 0
      if (g.at > now) {
        token_reserved_ = true;
        token_at_ = g.at;
        return Gate::wait;
      }
    } else if (clock_.now() < token_at_) {
      return Gate::wait;
    } else {
      token_reserved_ = false;
    }
  }
  if (semaphore_ && !acquire_permit()) return Gate::wait;
  return Gate::pass;
}

bool Admission::enter_breaker(std::optional<CircuitBreaker::Transition>* changed) {
  if (permit_.admitted) return true;
  const auto permit = breaker_->try_acquire(clock_.now(), changed);
  if (!permit.admitted) return false;
  permit_ = permit;
  return true;
}

void Admission::record_call(bool failed, Nanos start, Nanos end,
                            std::optional<CircuitBreaker::Transition>* changed) {
  breaker_->record(permit_, failed, start, end, changed);
  permit_ = {};
}

void Admission::release_breaker() {
  if (permit_.admitted && breaker_) {
    breaker_->release(permit_);
    permit_ = {};
  }
}

}  // namespace sluice::detail
