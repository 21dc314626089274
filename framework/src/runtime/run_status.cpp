// The spelling of a run's outcome. Its own file: the runtime writes it into
// its stats, and Pipeline (pipeline.cpp) is built on the runtime, so it
// cannot live there without the two depending on each other.
#include "sluice/pipeline.hpp"

namespace sluice {
inline namespace v1 {

std::string_view to_string(RunStatus s) noexcept {
  switch (s) {
    case RunStatus::ok:
      return "ok";
    case RunStatus::failed:
      return "failed";
    case RunStatus::interrupted:
      return "interrupted";
    case RunStatus::drain_timeout:
      return "drain_timeout";
  }
  return "ok";
}

}  // namespace v1
}  // namespace sluice
