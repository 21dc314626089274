// The time functions: format_time() and parse_time() (now() is EvalContext::now_seconds).
// Times are seconds since the Unix epoch, UTC; only years 1 to 9999 are written or read.
//
//   format_time(0.25)                         // "1970-01-01T00:00:00.250Z"
//   format_time(86400, "%Y-%m-%d")            // "1970-01-02"
//   parse_time("1970-01-02T00:00:01.5+01:00") // 82801.5
//   parse_time("02/Jan/1970:00:00:00 +0000", "%d/%b/%Y:%H:%M:%S %z")  // 86400
#pragma once

#include "expr/eval_context.hpp"
#include "expr/value.hpp"

namespace sluice::expr::detail {

/// format_time(t): RFC 3339 with milliseconds; format_time(t, fmt): strftime(fmt), whole
/// seconds. `fmt` is null for the one-argument form. Null when t is not a number (or a string
/// that reads as one) or lies outside years 1-9999.
[[nodiscard]] Value format_time(const Value& t, const Value* fmt, EvalContext& ctx);

/// parse_time(s): RFC 3339 (`T` or a space between date and time, an optional fraction, `Z`
/// or an offset); parse_time(s, fmt): strptime(fmt), UTC unless `%z` reads an offset. The
/// whole of `s` must be read (spaces around it aside). Integer seconds, a float when `s` has
/// a fraction of a second; null when `s` does not match.
[[nodiscard]] Value parse_time(const Value& s, const Value* fmt);

}  // namespace sluice::expr::detail
