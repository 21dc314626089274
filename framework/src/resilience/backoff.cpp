#include <algorithm>
#include <cmath>

#include "sluice/resilience.hpp"
#include "sluice/spellings.hpp"

namespace sluice {
inline namespace v1 {

std::string_view to_string(Jitter j) noexcept { return spelling_of(kJitterSpellings, j); }

namespace {

/// `d` as ns, at most `cap`: an overflow of the double arithmetic is the cap.
Nanos capped(double d, Nanos cap) noexcept {
  if (!(d < static_cast<double>(cap))) return cap;  // also NaN
  return std::max<Nanos>(0, static_cast<Nanos>(d));
}

}  // namespace

Nanos backoff_delay(const RetryPolicy& p, std::int64_t n, double u, Nanos previous) noexcept {
  const Nanos cap = std::max<Nanos>(0, p.max_backoff);
  const auto initial = static_cast<double>(p.initial_backoff);
  if (p.jitter == Jitter::decorrelated) {
    const double s = previous > 0 ? static_cast<double>(previous) : initial;
    return capped(initial + u * (3 * s - initial), cap);
  }
  const Nanos c = capped(
      initial * std::pow(p.multiplier, static_cast<double>(std::max<std::int64_t>(0, n - 1))), cap);
  const auto cd = static_cast<double>(c);
  switch (p.jitter) {
    case Jitter::none:
      return c;
    case Jitter::full:
      return capped(u * cd, cap);
    case Jitter::equal:
      return capped(cd / 2 + u * cd / 2, cap);
    case Jitter::decorrelated:
      break;
  }
  return c;
}

}  // namespace v1
}  // namespace sluice
