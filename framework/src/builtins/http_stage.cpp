// http (stage): calls an HTTP service for each message, without a thread per
// call. The request (url, headers, body: templates of the message) goes to
// the process's HTTP client (one libcurl multi handle on one thread) and the
// instance moves on; up to max_in_flight calls are open at once. The
// response body becomes the payload, its status attrs.http_status and the
// headers named in response_headers attrs (content-type -> attrs.content_type).
// 2xx succeed; 408, 429, 5xx, connection errors and timeouts fail as
// transient (retry waits the server's Retry-After when it sent one); other
// statuses fail as permanent, "HTTP 404: <first 200 bytes of the body>". A
// `timeout` cancels the call: its request is removed from libcurl.
#include <algorithm>
#include <cctype>
#include <ctime>
#include <memory>
#include <string>

#include "builtins/builtins.hpp"
#include "builtins/http/client.hpp"
#include "builtins/http/request_template.hpp"
#include "builtins/http/status.hpp"
#include "sluice/async.hpp"

namespace sluice::builtins {
namespace {

/// attrs.NAME for a response header: lower case, '-' as '_' (an expression
/// can name attrs.content_type, not attrs.content-type).
std::string attr_name(std::string header) {
  for (char& c : header) {
    if (c == '-') c = '_';
  }
  return header;
}

class HttpStage final : public AsyncStage {
 public:
  explicit HttpStage(const Options& o) : request_(o) {
    if (const OptionValue* keep = o.find("response_headers")) {
      for (const OptionValue& v : keep->list) {
        std::string name = v.str;
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (name == "retry-after") keep_retry_after_ = true;
      }
    }
  }

  void open(Context&) override { client_ = http::Client::shared(); }

  void start(Message&& m, Call call, Context& ctx) override {
    http::Request req = request_.render(m);
    if (call.deadline() != Context::kNoDeadline) {
      // The runtime cancels the call at its deadline; libcurl's own limit is
      // a little later, for a run whose clock is not the steady one.
      req.timeout = std::max<Nanos>(call.deadline() - ctx.now(), 1'000'000) + kNanosPerSecond;
    }
    auto pending = std::make_shared<Pending>(
        Pending{std::move(m), std::move(call), req.url, keep_retry_after_});
    const std::uint64_t id = client_->submit(
        std::move(req), [pending](http::Response&& r) { complete(*pending, std::move(r)); });
    pending->call.on_cancel([client = client_, id] { client->cancel(id); });
  }

 private:
  struct Pending {
    Message m;
    Call call;
    std::string url;
    bool keep_retry_after;  ///< the client keeps Retry-After always; attrs only when asked
  };

  /// On the client's thread: the call's result.
  static void complete(Pending& p, http::Response&& r) {
    http::Verdict v = http::judge(r, p.url, std::time(nullptr));
    if (v.outcome != http::Outcome::ok) {
      p.call.fail(std::move(v.error), v.outcome == http::Outcome::transient, v.retry_after);
      return;
    }
    Message& m = p.m;
    m.payload = std::move(r.body);
    m.attrs.set("http_status", std::to_string(r.status));
    for (auto& [name, value] : r.headers) {
      if (name != "retry-after" || p.keep_retry_after)
        m.attrs.set(attr_name(name), std::move(value));
    }
    p.call.emit(std::move(m));
    p.call.done();
  }

  http::RequestTemplate request_;
  bool keep_retry_after_{false};
  std::shared_ptr<http::Client> client_;
};

}  // namespace

StageType http_type() {
  StageType t;
  t.name = "http";
  t.doc =
      "calls an HTTP service per message (async: max_in_flight calls at once); the response "
      "body becomes the payload, its status attrs.http_status";
  t.async = true;
  t.schema.options = http::request_options({"POST", "GET", "PUT", "PATCH", "DELETE", "HEAD"});
  t.schema.options.push_back(
      {.name = "response_headers",
       .type = OptionType::list,
       .doc = "response headers to keep as attrs: [\"content-type\"] sets attrs.content_type"});
  t.make = [](const Options& o) { return std::make_unique<HttpStage>(o); };
  return t;
}

}  // namespace sluice::builtins
