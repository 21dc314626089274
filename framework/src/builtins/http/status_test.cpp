#include "builtins/http/status.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <string>

namespace sluice::builtins::http {
namespace {

TEST(HttpStatus, ClassesOfStatuses) {
  for (long s : {200L, 201L, 204L, 299L}) EXPECT_EQ(classify_status(s), Outcome::ok) << s;
  for (long s : {408L, 429L, 500L, 502L, 503L, 504L, 599L}) {
    EXPECT_EQ(classify_status(s), Outcome::transient) << s;
  }
  for (long s : {301L, 304L, 400L, 401L, 403L, 404L, 409L, 422L, 499L, 600L}) {
    EXPECT_EQ(classify_status(s), Outcome::permanent) << s;
  }
}

TEST(HttpStatus, RetryAfterInSecondsOrAsADate) {
  EXPECT_EQ(parse_retry_after("120", 0), 120 * kNanosPerSecond);
  EXPECT_EQ(parse_retry_after(" 0 ", 0), 0);
  EXPECT_EQ(parse_retry_after("", 0), 0);
  EXPECT_EQ(parse_retry_after("soon", 0), 0);
  EXPECT_EQ(parse_retry_after("12s", 0), 0);
  EXPECT_EQ(parse_retry_after("-5", 0), 0);
  EXPECT_EQ(parse_retry_after("99999999999999999999", 0), 0);  // does not fit: ignored
  EXPECT_EQ(parse_retry_after("999999999", 0), 365LL * 24 * 3600 * kNanosPerSecond);  // capped
  // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480.
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 - 30),
            30 * kNanosPerSecond);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 + 30), 0);  // past
}

Response answered(long status, std::string body = {}) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(HttpStatus, APermanentStatusQuotesTheStartOfTheBody) {
  const Verdict ok = judge(answered(200, "fine"), "http://h/", 0);
  EXPECT_EQ(ok.outcome, Outcome::ok);
  EXPECT_EQ(ok.error, "");
  const Verdict nf = judge(answered(404, "no such item"), "http://h/", 0);
  EXPECT_EQ(nf.outcome, Outcome::permanent);
  EXPECT_EQ(nf.error, "HTTP 404: no such item");
  const Verdict big = judge(answered(400, std::string(500, 'b')), "http://h/", 0);
  EXPECT_EQ(big.error, "HTTP 400: " + std::string(kQuotedBodyBytes, 'b'));
}

TEST(HttpStatus, ATransientStatusCarriesRetryAfter) {
  Response r = answered(429, "slow down");
  r.headers.emplace_back("retry-after", "3");
  const Verdict v = judge(r, "http://h/", 0);
  EXPECT_EQ(v.outcome, Outcome::transient);
  EXPECT_EQ(v.error, "HTTP 429: slow down");
  EXPECT_EQ(v.retry_after, 3 * kNanosPerSecond);
  EXPECT_EQ(judge(answered(503), "http://h/", 0).retry_after, 0);
  // A permanent status does not wait for anything.
  Response gone = answered(410);
  gone.headers.emplace_back("retry-after", "3");
  EXPECT_EQ(judge(gone, "http://h/", 0).retry_after, 0);
}

TEST(HttpStatus, TransportErrors) {
  Response refused;
  refused.curl_code = CURLE_COULDNT_CONNECT;
  refused.error = "Failed to connect";
  Verdict v = judge(refused, "http://127.0.0.1:1/", 0);
  EXPECT_EQ(v.outcome, Outcome::transient);
  EXPECT_EQ(v.error, "http://127.0.0.1:1/: Failed to connect");

  Response timed_out;
  timed_out.curl_code = CURLE_OPERATION_TIMEDOUT;
  timed_out.error = "Operation timed out";
  EXPECT_EQ(judge(timed_out, "http://h/", 0).outcome, Outcome::transient);

  Response bad_url;
  bad_url.curl_code = CURLE_URL_MALFORMAT;
  bad_url.error = "URL using bad/illegal format";
  v = judge(bad_url, "http://a b/", 0);
  EXPECT_EQ(v.outcome, Outcome::permanent);
  EXPECT_EQ(v.error, "bad URL 'http://a b/': URL using bad/illegal format");

  Response cert;
  cert.curl_code = CURLE_PEER_FAILED_VERIFICATION;
  cert.error = "SSL certificate problem";
  EXPECT_EQ(judge(cert, "https://h/", 0).outcome, Outcome::permanent);

  Response big;
  big.too_large = true;
  big.curl_code = CURLE_WRITE_ERROR;
  v = judge(big, "http://h/", 0);
  EXPECT_EQ(v.outcome, Outcome::permanent);
  EXPECT_NE(v.error.find("max_response_bytes"), std::string::npos);

  Response cancelled;
  cancelled.cancelled = true;
  EXPECT_EQ(judge(cancelled, "http://h/", 0).outcome, Outcome::transient);
}

}  // namespace
}  // namespace sluice::builtins::http
