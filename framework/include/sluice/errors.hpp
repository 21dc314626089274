// The two failure classes a stage may throw from process().
//
//   if (status == 503) throw sluice::TransientError("upstream busy");
//   if (!valid) throw sluice::PermanentError("no user id");
//
// Any other exception counts as permanent.
//
// Each has an out-of-line destructor (errors.cpp), so its type_info lives in
// the host alone and a plugin's throw is caught by the host's catch by
// identity, not by a comparison of names.
#pragma once

#include <stdexcept>

namespace sluice {
inline namespace v1 {

/// A failure that may succeed when tried again (I/O, timeouts, 503).
class TransientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  ~TransientError() override;
};

/// A failure that will not go away on retry (bad input, 4xx).
class PermanentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  ~PermanentError() override;
};

}  // namespace v1
}  // namespace sluice
