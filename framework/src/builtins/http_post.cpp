// http_post (sink): sends each message to an HTTP service (POST, PUT or
// PATCH), or gathers `batch` of them into one request, as JSON lines or a
// JSON array (`format`). A message is written when the request that carried
// it succeeded (2xx); the status classes and Retry-After are the http
// stage's (http/status.hpp), and retry, circuit_breaker and on_error apply to
// each message: a failed batch fails each of its messages, which are retried
// on their own schedule (and may ride in another batch). Delivery is at least
// once: a message is sent again when its answer did not come.
//
// A batch goes when it is full, when the runtime finds no more input waiting
// (AsyncCalls::flush), or batch_timeout after its first message, whichever
// comes first. Its url and headers are rendered from its first message.
// The gathering state is shared with the client's thread (the batch timer
// and the completions), so it sits behind a mutex in a Batcher that the
// callbacks hold.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "builtins/builtins.hpp"
#include "builtins/http/client.hpp"
#include "builtins/http/request_template.hpp"
#include "builtins/http/status.hpp"
#include "sluice/async.hpp"

namespace sluice::builtins {
namespace {

enum class Format { lines, json_array };

/// One JSON array element: the body itself when it is a JSON document, else
/// the body as a JSON string (invalid UTF-8 replaced).
void append_element(std::string& out, const std::string& body) {
  if (nlohmann::json::accept(body)) {
    out += body;
  } else {
    out += nlohmann::json(body).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

class Batcher : public std::enable_shared_from_this<Batcher> {
 public:
  Batcher(http::RequestTemplate request, std::size_t batch_size, Format format, Nanos timeout)
      : request_(std::move(request)),
        batch_size_(batch_size),
        format_(format),
        batch_timeout_(timeout),
        client_(http::Client::shared()) {}

  void add(Message&& m, Call call) {
    const std::uint64_t token = next_token_.fetch_add(1);
    // Outside mu_: when the call is cancelled already, abort runs at once.
    call.on_cancel([weak = weak_from_this(), token] {
      if (auto self = weak.lock()) self->cancel(token);
    });
    if (call.cancelled()) {
      call.fail("cancelled before it was sent", true);
      return;
    }
    std::lock_guard lock(mu_);
    if (gathered_.empty() && batch_size_ > 1) {
      client_->after(SteadyClock::instance().now() + batch_timeout_,
                     [weak = weak_from_this(), gen = generation_] {
                       if (auto self = weak.lock()) self->send_if(gen);
                     });
    }
    gathered_.push_back({token, std::move(call), std::move(m)});
    if (gathered_.size() >= batch_size_) send_locked();
  }

  /// Sends what is gathered, if anything.
  void flush() {
    std::lock_guard lock(mu_);
    if (!gathered_.empty()) send_locked();
  }

 private:
  struct Gathered {
    std::uint64_t token;
    Call call;
    Message m;
  };
  /// A request in flight and the calls it carries.
  struct Sent {
    std::vector<Call> calls;
    std::string url;
  };

  void send_if(std::uint64_t generation) {
    std::lock_guard lock(mu_);
    if (generation == generation_ && !gathered_.empty()) send_locked();
  }

  /// Sends the gathered batch. mu_ is held, and stays held through submit so
  /// that a completion or a cancellation finds the request registered.
  void send_locked() {
    ++generation_;
    std::string body;
    if (batch_size_ == 1) {
      body = request_.body_of(gathered_.front().m);
    } else if (format_ == Format::lines) {
      for (const auto& g : gathered_) {
        body += request_.body_of(g.m);
        body += '\n';
      }
    } else {
      body += '[';
      for (std::size_t i = 0; i < gathered_.size(); ++i) {
        if (i > 0) body += ',';
        append_element(body, request_.body_of(gathered_[i].m));
      }
      body += ']';
    }
    http::Request req = request_.render_with_body(gathered_.front().m, std::move(body));
    if (batch_size_ > 1 && !request_.has_header("content-type")) {
      req.headers.push_back(format_ == Format::lines ? "Content-Type: application/x-ndjson"
                                                     : "Content-Type: application/json");
    }
    auto sent = std::make_shared<Sent>();
    sent->url = req.url;
    std::vector<std::uint64_t> tokens;
    for (auto& g : gathered_) {
      tokens.push_back(g.token);
      sent->calls.push_back(std::move(g.call));
    }
    gathered_.clear();
    const std::uint64_t id = client_->submit(
        std::move(req), [weak = weak_from_this(), sent, tokens](http::Response&& r) {
          if (auto self = weak.lock()) self->forget(tokens);
          complete(*sent, std::move(r));
        });
    for (const std::uint64_t t : tokens) in_flight_.emplace(t, id);
  }

  void forget(const std::vector<std::uint64_t>& tokens) {
    std::lock_guard lock(mu_);
    for (const std::uint64_t t : tokens) in_flight_.erase(t);
  }

  /// A call is cancelled (timeout, run cancelled): a gathered one leaves the
  /// batch; a sent one aborts its request (the others of the batch fail
  /// with it, transient, and are retried).
  void cancel(std::uint64_t token) {
    Call dropped;
    {
      std::lock_guard lock(mu_);
      const auto it = std::find_if(gathered_.begin(), gathered_.end(),
                                   [&](const Gathered& g) { return g.token == token; });
      if (it != gathered_.end()) {
        dropped = std::move(it->call);
        gathered_.erase(it);
      } else if (const auto s = in_flight_.find(token); s != in_flight_.end()) {
        client_->cancel(s->second);
      }
    }
    if (dropped.open()) dropped.fail("cancelled before it was sent", true);
  }

  /// On the client's thread: every call of the batch gets the result.
  static void complete(Sent& s, http::Response&& r) {
    const http::Verdict v = http::judge(r, s.url, std::time(nullptr));
    for (Call& c : s.calls) {
      if (v.outcome == http::Outcome::ok) {
        c.done();
      } else {
        c.fail(v.error, v.outcome == http::Outcome::transient, v.retry_after);
      }
    }
  }

  const http::RequestTemplate request_;
  const std::size_t batch_size_;
  const Format format_;
  const Nanos batch_timeout_;
  const std::shared_ptr<http::Client> client_;

  std::mutex mu_;
  std::vector<Gathered> gathered_;  ///< the first one's url and headers are the batch's
  std::uint64_t generation_{0};
  std::atomic<std::uint64_t> next_token_{1};
  std::unordered_map<std::uint64_t, std::uint64_t> in_flight_;  ///< token -> request id
};

class HttpPost final : public AsyncSink {
 public:
  explicit HttpPost(const Options& o)
      : request_(o),
        batch_size_(static_cast<std::size_t>(o.get_int("batch"))),
        format_(o.get_string("format") == "json_array" ? Format::json_array : Format::lines),
        batch_timeout_(o.get_duration("batch_timeout")) {}

  void open(Context&) override {
    batcher_ = std::make_shared<Batcher>(request_, batch_size_, format_, batch_timeout_);
  }
  void start(Message&& m, Call call, Context&) override {
    batcher_->add(std::move(m), std::move(call));
  }
  void flush(Context&) override { batcher_->flush(); }

 private:
  const http::RequestTemplate request_;
  const std::size_t batch_size_;
  const Format format_;
  const Nanos batch_timeout_;
  std::shared_ptr<Batcher> batcher_;
};

/// The default max_in_flight (16) would hold a batch of more to a fraction
/// of it: room for two full batches, unless max_in_flight is given.
void wire(Wiring& w) {
  const auto batch = static_cast<std::size_t>(w.options.get_int("batch"));
  w.node.max_in_flight = std::max(w.node.max_in_flight, 2 * batch);
}

}  // namespace

StageType http_post_type() {
  StageType t;
  t.name = "http_post";
  t.doc =
      "sends each message, or batches of them as JSON lines or a JSON array, to an HTTP service; "
      "a message is written when its request got a 2xx";
  t.async = true;
  t.schema.options = http::request_options({"POST", "PUT", "PATCH"});
  t.schema.options.insert(
      t.schema.options.end(),
      {{.name = "batch",
        .type = OptionType::integer,
        .doc = "messages per request; above 1 the body is `format` (this sink's own `batch`)",
        .default_value = OptionValue::of(1),
        .min = 1,
        .max = 100'000},
       {.name = "format",
        .type = OptionType::string,
        .doc = "a batch's body: one body per line, or a JSON array of them",
        .default_value = OptionValue::of("lines"),
        .choices = {"lines", "json_array"}},
       {.name = "batch_timeout",
        .type = OptionType::duration,
        .doc = "a batch that is not full goes this long after its first message at the latest",
        .default_value = OptionValue::duration(200 * 1'000'000),
        .min = 0.001}});
  t.make = [](const Options& o) { return std::make_unique<HttpPost>(o); };
  t.wire = wire;
  return t;
}

}  // namespace sluice::builtins
