// What a stage, source or sink threw, whatever it threw. A plugin may throw
// an int or a type of its own: the run reports it like any other failure
// instead of letting it escape a noexcept turn and abort the process.
//
//   try { stage->process(...); } catch (...) { fail(caught().what); }
#pragma once

#include <string>

namespace sluice::detail {

struct Caught {
  std::string what;
  bool transient{false};  ///< a sluice::TransientError
};

/// The exception being handled; call it inside a catch block only.
[[nodiscard]] Caught caught();

}  // namespace sluice::detail
