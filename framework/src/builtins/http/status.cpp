#include "builtins/http/status.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <charconv>

namespace sluice::builtins::http {
namespace {

/// Transfer errors that the same request would hit again.
bool permanent_transfer_error(int code) noexcept {
  switch (static_cast<CURLcode>(code)) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_FILESIZE_EXCEEDED:
      return true;
    default:
      return false;
  }
}

bool url_error(int code) noexcept {
  return code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL;
}

}  // namespace

Outcome classify_status(long status) noexcept {
  if (status >= 200 && status < 300) return Outcome::ok;
  if (status == 408 || status == 429 || (status >= 500 && status < 600)) return Outcome::transient;
  return Outcome::permanent;
}

Nanos parse_retry_after(std::string_view value, std::time_t now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return 0;
  if (value.front() >= '0' && value.front() <= '9') {
    std::int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || end != value.data() + value.size()) return 0;
    // Beyond a year it is a mistake, and the product would overflow.
    return std::min<std::int64_t>(seconds, 365LL * 24 * 3600) * kNanosPerSecond;
  }
  const std::string date(value);
  const std::time_t at = curl_getdate(date.c_str(), nullptr);
  if (at == -1 || at <= now) return 0;
  return std::min<std::int64_t>(at - now, 365LL * 24 * 3600) * kNanosPerSecond;
}

Verdict judge(const Response& r, std::string_view url, std::time_t now) {
  Verdict v;
  if (r.too_large) {
    v.outcome = Outcome::permanent;
    v.error = fmt::format("the response from {} is larger than max_response_bytes", url);
    return v;
  }
  if (r.cancelled) {
    v.outcome = Outcome::transient;
    v.error = fmt::format("the request to {} was cancelled", url);
    return v;
  }
  if (!r.error.empty() || r.curl_code != 0) {
    if (url_error(r.curl_code)) {
      v.outcome = Outcome::permanent;
      v.error = fmt::format("bad URL '{}': {}", url, r.error);
    } else {
      v.outcome = permanent_transfer_error(r.curl_code) ? Outcome::permanent : Outcome::transient;
      v.error = fmt::format("{}: {}", url, r.error);
    }
    return v;
  }
  v.outcome = classify_status(r.status);
  if (v.outcome == Outcome::ok) return v;
  v.error = fmt::format("HTTP {}: {}", r.status, r.body.substr(0, kQuotedBodyBytes));
  if (v.outcome == Outcome::transient) {
    if (const std::string* ra = r.header("retry-after"))
      v.retry_after = parse_retry_after(*ra, now);
  }
  return v;
}

}  // namespace sluice::builtins::http
