// What an HTTP exchange means for the call that made it: success, a
// transient failure (retried, after the server's Retry-After when it gave
// one) or a permanent one (on_error at once). 2xx succeed; 408, 429, 5xx,
// connection errors and timeouts are transient; other statuses, a URL libcurl
// rejects, a TLS certificate that does not verify and a response over
// max_response_bytes are permanent.
//
//   const Verdict v = judge(response, url, now_unix);
//   if (v.outcome != Outcome::ok) call.fail(v.error, v.outcome == Outcome::transient,
//   v.retry_after);
#pragma once

#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>

#include "builtins/http/client.hpp"
#include "sluice/clock.hpp"

namespace sluice::builtins::http {

enum class Outcome { ok, transient, permanent };

/// The class of an HTTP status (a response came).
[[nodiscard]] Outcome classify_status(long status) noexcept;

/// A Retry-After value: delta-seconds ("120") or an HTTP-date, against the
/// Unix time `now`; 0 when it is absent, malformed or in the past.
[[nodiscard]] Nanos parse_retry_after(std::string_view value, std::time_t now);

/// How many bytes of a failed response's body its error quotes.
inline constexpr std::size_t kQuotedBodyBytes = 200;

struct Verdict {
  Outcome outcome{Outcome::ok};
  std::string error;  ///< for a failure: "HTTP 404: <first bytes of the body>", or why no response
  Nanos retry_after{0};
};

/// Judges `r`, the response to a request for `url`.
[[nodiscard]] Verdict judge(const Response& r, std::string_view url, std::time_t now);

}  // namespace sluice::builtins::http
