// Which message a failure was about: what the run's error line names.
#pragma once

#include <cstdint>

namespace sluice::detail {

struct MessageId {
  std::uint64_t seq{0};
  std::uint64_t trace_id{0};
};

}  // namespace sluice::detail
