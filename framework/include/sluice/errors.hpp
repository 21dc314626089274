// The two failure classes a stage may throw from process().
//
//   if (status == 503) throw sluice::TransientError("upstream busy");
//   if (!valid) throw sluice::PermanentError("no user id");
//
// Any other exception counts as permanent.
#pragma once

#include <stdexcept>

namespace sluice {
inline namespace v1 {

/// A failure that may succeed when tried again (I/O, timeouts, 503).
class TransientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A failure that will not go away on retry (bad input, 4xx).
class PermanentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace v1
}  // namespace sluice
