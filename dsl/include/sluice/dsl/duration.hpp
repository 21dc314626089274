// Durations as pipeline files spell them: a number and a unit, "250ms", "1.5s".
//
//   auto d = sluice::dsl::parse_duration("1.5s");   // 1'500'000'000 ns
//   std::string s = sluice::dsl::format_duration(*d);  // "1.5s"
#pragma once

#include <string>
#include <string_view>

#include "sluice/clock.hpp"
#include "sluice/result.hpp"

namespace sluice::dsl {

/// The units, for messages: "ns, us, ms, s, m, h".
inline constexpr std::string_view kDurationUnits = "ns, us, ms, s, m, h";

/// Non-negative duration; the error says what is wrong (no hint included).
Result<Nanos, std::string> parse_duration(std::string_view text);

/// The shortest exact spelling in the largest unit that fits ("1.5s", "250ms", "0s").
std::string format_duration(Nanos ns);

}  // namespace sluice::dsl
