// http_server (source): a webhook receiver. Each request's body (or each of
// its lines) becomes a message; backpressure is the HTTP answer.
//
// - Threads: cpp-httplib serves connections on its own pool of
//   `max_connections` threads; a handler splits the body, queues the messages
//   in the intake (webhook/intake.hpp) and wakes the source through
//   Context::waker(), whose produce() moves them to its output.
// - Answers: 200 once the pipeline has taken the messages (with
//   `ack = "end_to_end"`: once the sinks wrote them; 500 when one failed, 504
//   after `ack_timeout`); 503 with Retry-After when they could not get in
//   within `max_wait` or the source is stopping, nothing of the request kept;
//   400 empty body, 404 other paths, 405 other methods, 413 too big.
// - Stop: close() withdraws what still waits (503), stops accepting, and
//   joins the server once the requests in flight are answered (with acks,
//   when the drain has written their messages). It runs on the I/O pool
//   (`blocking`): that wait must not hold an arena thread the drain needs.
// - Counters: the handlers count on their own threads (atomics); produce()
//   and close() hand the counts to the stats, where the Context is safe.
#include <fmt/format.h>
#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "builtins/bad_option.hpp"
#include "builtins/builtins.hpp"
#include "builtins/webhook/body.hpp"
#include "builtins/webhook/intake.hpp"
#include "trace_id.hpp"

namespace sluice::builtins {
namespace {

using webhook::Intake;
using webhook::Request;

constexpr std::int64_t kMiB = 1024 * 1024;
/// How often a handler waiting for acks looks whether the source is going away.
constexpr std::chrono::milliseconds kAbortCheck{50};

struct Config {
  std::string address, path;
  int port{0};
  std::vector<std::string> methods, headers;
  bool split_lines{false}, end_to_end{false};
  std::size_t max_body_bytes{0}, queue{0}, max_connections{0};
  std::chrono::nanoseconds max_wait{0}, ack_timeout{0};

  explicit Config(const Options& o)
      : address(o.get_string("address")),
        path(o.get_string("path")),
        port(static_cast<int>(o.get_int("port"))),
        split_lines(o.get_bool("split_lines")),
        end_to_end(o.get_string("ack") == "end_to_end"),
        max_body_bytes(static_cast<std::size_t>(o.get_int("max_body_bytes"))),
        queue(static_cast<std::size_t>(o.get_int("queue"))),
        max_connections(static_cast<std::size_t>(o.get_int("max_connections"))),
        max_wait(o.get_duration("max_wait")),
        ack_timeout(o.get_duration("ack_timeout")) {
    if (address.empty()) throw BadOption("address", "'address' must not be empty");
    if (path.empty() || path.front() != '/') {
      throw BadOption("path", "'path' must start with '/', not '" + path + "'");
    }
    for (const OptionValue& v : o.get("methods").list) {
      if (v.kind != OptionValue::Kind::string ||
          (v.str != "POST" && v.str != "PUT" && v.str != "PATCH" && v.str != "DELETE")) {
        throw BadOption("methods",
                        "'methods' holds HTTP methods that carry a body: \"POST\", "
                        "\"PUT\", \"PATCH\" or \"DELETE\"");
      }
      methods.push_back(v.str);
    }
    if (methods.empty()) throw BadOption("methods", "'methods' must name at least one method");
    if (const OptionValue* h = o.find("headers")) {
      for (const OptionValue& v : h->list) {
        if (v.kind != OptionValue::Kind::string || v.str.empty()) {
          throw BadOption("headers", "'headers' holds header names, e.g. [\"x-request-id\"]");
        }
        headers.push_back(webhook::lower(v.str));
      }
    }
  }
};

/// host:port, with an IPv6 host in brackets.
std::string host_port(const std::string& host, int port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

/// The path as a std::regex that matches it and nothing else (httplib routes by regex).
std::string exact_pattern(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (std::strchr("\\^$.|?*+()[]{}", c) != nullptr) out += '\\';
    out += c;
  }
  return out;
}

/// cpp-httplib 0.11 listens with a backlog of 5: with 20 clients connecting
/// at once, a request now and then went unanswered (the client's read failed).
class Listener final : public httplib::Server {
 public:
  /// Lets `n` connections wait to be accepted (on Linux a second listen()
  /// sets the backlog of a listening socket).
  void widen_backlog(int n) { ::listen(svr_sock_.load(), n); }
};

class HttpServer final : public Source {
 public:
  explicit HttpServer(const Options& o) : cfg_(o), intake_(cfg_.queue) {}
  ~HttpServer() override {
    // Without a close() first the run was cancelled: acks may never come.
    aborting_.store(true);
    shut_down();
  }

  void open(Context& ctx) override {
    if (ctx.instances() > 1) {
      throw std::runtime_error(
          "http_server runs as one instance (leave 'workers' out): it serves requests on "
          "max_connections threads");
    }
    wake_ = ctx.waker();
    if (!wake_) wake_ = [] {};  // a test's own Context: produce() is called anyway
    server_ = std::make_unique<Listener>();
    configure(*server_);
    errno = 0;
    int port = cfg_.port;
    const bool bound = port == 0 ? (port = server_->bind_to_any_port(cfg_.address)) > 0
                                 : server_->bind_to_port(cfg_.address, port);
    if (!bound) {
      const int err = errno;
      server_.reset();
      throw std::runtime_error(fmt::format(
          "cannot listen on {}: {}", host_port(cfg_.address, cfg_.port),
          err != 0 ? std::strerror(err) : "not an address of this host, or the port is taken"));
    }
    port_ = port;
    server_->widen_backlog(SOMAXCONN);
    thread_ = std::thread([this] {
      server_->listen_after_bind();
      listen_ended_.store(true);
      wake_();  // produce() fails the run if this was not a stop
    });
    // stop() before the server runs would be lost, and close() would wait
    // forever. cpp-httplib 0.11 has no ready signal; its thread is running
    // within microseconds, so this spins (on the I/O pool) rather than sleeps.
    while (!server_->is_running() && !listen_ended_.load()) std::this_thread::yield();
    ctx.log(LogLevel::info,
            fmt::format("listening on http://{}{}", host_port(cfg_.address, port_), cfg_.path));
  }

  SourceStatus produce(Emitter& out, Context& ctx, std::size_t budget) override {
    report(ctx);
    const Nanos now = ctx.now();
    const std::size_t n = intake_.take(budget, [&](Message&& m) {
      Message& e = out.emplace();
      e = std::move(m);
      e.seq = ++seq_;
      e.ingest_ns = now;
    });
    if (listen_ended_.load() && !stopping_.load()) {
      throw std::runtime_error("the server on " + host_port(cfg_.address, port_) + " stopped");
    }
    // With a full budget there may be more; otherwise the next request wakes it.
    return n == budget && intake_.queued() > 0 ? SourceStatus::more : SourceStatus::wait;
  }

  void close(Context& ctx) override {
    shut_down();
    report(ctx);
  }

 private:
  void configure(httplib::Server& s) {
    const std::size_t threads = cfg_.max_connections;
    s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    s.set_payload_max_length(cfg_.max_body_bytes);  // httplib answers 413
    // cpp-httplib's default also sets SO_REUSEPORT, with which a second run
    // on the same port would share it silently instead of failing.
    s.set_socket_options([](socket_t sock) {
      const int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (req.path != cfg_.path) {
        answer(res, 404, "no webhook at " + req.path);
        return httplib::Server::HandlerResponse::Handled;
      }
      for (const auto& m : cfg_.methods) {
        if (req.method == m) return httplib::Server::HandlerResponse::Unhandled;
      }
      answer(res, 405, "method " + req.method + " not allowed");
      std::string allow;
      for (const auto& m : cfg_.methods) allow += (allow.empty() ? "" : ", ") + m;
      res.set_header("Allow", allow);
      return httplib::Server::HandlerResponse::Handled;
    });
    s.set_logger([this](const httplib::Request&, const httplib::Response& res) {
      requests_.fetch_add(1, std::memory_order_relaxed);
      if (res.status >= 100 && res.status < static_cast<int>(statuses_.size())) {
        statuses_[static_cast<std::size_t>(res.status)].fetch_add(1, std::memory_order_relaxed);
      }
    });
    const std::string pattern = exact_pattern(cfg_.path);
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      handle(req, res);
    };
    for (const auto& m : cfg_.methods) {
      if (m == "POST") s.Post(pattern, handler);
      if (m == "PUT") s.Put(pattern, handler);
      if (m == "PATCH") s.Patch(pattern, handler);
      if (m == "DELETE") s.Delete(pattern, handler);
    }
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    const auto payloads = webhook::split_body(req.body, cfg_.split_lines);
    if (payloads.empty()) {
      return answer(res, 400, cfg_.split_lines ? "the body has no line" : "the body is empty");
    }
    auto r = std::make_shared<Request>(messages(req, payloads));
    if (cfg_.end_to_end) r->attach_acks(r);
    const auto deadline = start + cfg_.max_wait;
    switch (intake_.offer(r, deadline)) {
      case Intake::Offer::queued:
        break;
      case Intake::Offer::too_big:
        r->discard();
        return answer(res, 413,
                      fmt::format("{} messages in one request; the queue holds {}", r->size(),
                                  intake_.capacity()));
      case Intake::Offer::full:
        r->discard();
        return busy(res, "the queue is full");
      case Intake::Offer::stopped:
        r->discard();
        return busy(res, "the server is stopping");
    }
    wake_();
    Request::State state = r->wait_taken(deadline);
    if (state == Request::State::queued && intake_.withdraw(r)) {
      return busy(res, "the pipeline did not take the messages within max_wait");
    }
    // Taken in part: the rest goes next, unless a stop withdraws it.
    if (state == Request::State::queued) state = r->wait_taken(std::nullopt);
    if (state == Request::State::withdrawn) {
      return busy(res, r->taken() == 0 ? std::string("the server is stopping")
                                       : fmt::format("the server is stopping: {} of {} messages "
                                                     "were taken",
                                                     r->taken(), r->size()));
    }
    if (!cfg_.end_to_end) return accepted(res, r->size());
    const auto settled = wait_settled(*r);
    if (!settled && aborting_.load()) return busy(res, "the run was cancelled");
    if (!settled) return answer(res, 504, "the messages were not written within ack_timeout");
    switch (settled->outcome) {
      case AckOutcome::ok:
        return accepted(res, r->size());
      case AckOutcome::abandoned:
        return busy(res, "the run stopped before the messages were written");
      case AckOutcome::failed:
      case AckOutcome::rejected:
        break;
    }
    answer(res, 500,
           settled->error.empty() ? std::string("a message failed")
                                  : "a message failed: " + settled->error);
  }

  /// Waits for `r`'s acks up to ack_timeout, or until the source is
  /// destroyed without a close() (a cancelled run): nullopt then.
  std::optional<Request::Settled> wait_settled(Request& r) const {
    const auto until = std::chrono::steady_clock::now() + cfg_.ack_timeout;
    for (;;) {
      const auto slice = std::min(until, std::chrono::steady_clock::now() + kAbortCheck);
      if (auto s = r.wait_settled(slice)) return s;
      if (aborting_.load() || std::chrono::steady_clock::now() >= until) return std::nullopt;
    }
  }

  std::vector<Message> messages(const httplib::Request& req,
                                const std::vector<std::string_view>& payloads) const {
    std::uint64_t trace = webhook::trace_id_of(req.get_header_value("traceparent"));
    if (trace == 0) {  // one random id for every line of the request (server threads: one each)
      thread_local TraceIds ids;
      trace = ids.next();
    }
    std::vector<Message> out(payloads.size());
    for (std::size_t i = 0; i < payloads.size(); ++i) {
      Message& m = out[i];
      m.payload = payloads[i];
      m.trace_id = trace;
      m.attrs.set("http_method", req.method);
      m.attrs.set("http_path", req.path);
      for (const auto& h : cfg_.headers) {
        if (req.has_header(h.c_str())) m.attrs.set(h, req.get_header_value(h.c_str()));
      }
    }
    return out;
  }

  static void answer(httplib::Response& res, int status, const std::string& error) {
    res.status = status;
    // A path or a stage's error may hold bytes that are not UTF-8: replaced, not thrown.
    res.set_content(nlohmann::json{{"error", error}}.dump(
                        -1, ' ', false, nlohmann::json::error_handler_t::replace) +
                        "\n",
                    "application/json");
  }
  static void busy(httplib::Response& res, const std::string& why) {
    answer(res, 503, why + "; retry later");
    res.set_header("Retry-After", "1");
  }
  static void accepted(httplib::Response& res, std::size_t n) {
    res.status = 200;
    res.set_content(nlohmann::json{{"accepted", n}}.dump() + "\n", "application/json");
  }

  /// Stops accepting, answers 503 to what still waits, and joins the server
  /// once the requests in flight are answered. Idempotent.
  void shut_down() {
    stopping_.store(true);
    withdrawn_ += intake_.stop();
    if (server_ && thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
  }

  void report(Context& ctx) {
    const auto flush = [&](std::string_view name, std::uint64_t now, std::uint64_t& seen) {
      if (now > seen) ctx.add_counter(name, now - seen);
      seen = now;
    };
    flush("requests", requests_.load(std::memory_order_relaxed), requests_seen_);
    flush("withdrawn", withdrawn_.load(std::memory_order_relaxed), withdrawn_seen_);
    for (std::size_t s = 100; s < statuses_.size(); ++s) {
      const std::uint64_t n = statuses_[s].load(std::memory_order_relaxed);
      if (n > statuses_seen_[s]) flush(fmt::format("status_{}", s), n, statuses_seen_[s]);
    }
  }

  const Config cfg_;
  Intake intake_;
  std::function<void()> wake_;
  std::unique_ptr<Listener> server_;
  std::thread thread_;
  std::atomic<bool> listen_ended_{false}, stopping_{false}, aborting_{false};
  int port_{0};
  std::uint64_t seq_{0};
  // Counted on the server's threads, reported on the source's.
  std::atomic<std::uint64_t> requests_{0}, withdrawn_{0};
  std::array<std::atomic<std::uint64_t>, 600> statuses_{};
  std::uint64_t requests_seen_{0}, withdrawn_seen_{0};
  std::array<std::uint64_t, 600> statuses_seen_{};
};

OptionValue string_list(std::initializer_list<const char*> items) {
  OptionValue v;
  v.kind = OptionValue::Kind::list;
  for (const char* s : items) v.list.push_back(OptionValue::of(s));
  return v;
}

}  // namespace

StageType http_server_type() {
  StageType t;
  t.name = "http_server";
  t.doc =
      "webhook receiver: each request body (or line of it) becomes a message; answers 200 once "
      "the pipeline took it (or wrote it, with ack = \"end_to_end\"), 503 when it cannot";
  t.blocking = true;  // close() waits for the requests in flight: on the I/O pool
  t.schema.options = {
      {.name = "address",
       .type = OptionType::string,
       .doc = "address to listen on (\"0.0.0.0\": every interface)",
       .default_value = OptionValue::of("127.0.0.1")},
      {.name = "port",
       .type = OptionType::integer,
       .doc = "TCP port; 0 = any free port (logged)",
       .min = 0,
       .max = 65535,
       .required = true},
      {.name = "path",
       .type = OptionType::string,
       .doc = "the one path served; others get 404",
       .default_value = OptionValue::of("/")},
      {.name = "methods",
       .type = OptionType::list,
       .doc = "methods accepted (POST, PUT, PATCH, DELETE); others get 405",
       .default_value = string_list({"POST", "PUT"})},
      {.name = "split_lines",
       .type = OptionType::boolean,
       .doc = "one message per non-empty line of the body, not one per body",
       .default_value = OptionValue::of(false)},
      {.name = "headers",
       .type = OptionType::list,
       .doc = "request headers copied into attrs, under their lower-case names"},
      {.name = "max_body_bytes",
       .type = OptionType::integer,
       .doc = "larger bodies are answered 413",
       .default_value = OptionValue::of(10 * kMiB),
       .min = 1,
       .max = 1024.0 * kMiB},
      {.name = "queue",
       .type = OptionType::integer,
       .doc = "messages waiting for the pipeline to take them; a request that does not fit "
              "waits up to max_wait, then gets 503",
       .default_value = OptionValue::of(1024),
       .min = 1,
       .max = 10'000'000},
      {.name = "max_wait",
       .type = OptionType::duration,
       .doc = "how long a request may wait for room in the queue and for the pipeline to take "
              "its messages; then 503 with Retry-After, nothing of it kept",
       .default_value = OptionValue::duration(from_millis(500)),
       .min = 0.001},
      {.name = "max_connections",
       .type = OptionType::integer,
       .doc = "requests served at once (the server's threads); more wait to be accepted",
       .default_value = OptionValue::of(8),
       .min = 1,
       .max = 1024},
      {.name = "ack",
       .type = OptionType::string,
       .doc = "end_to_end: answer 200 only once the sinks wrote every message of the request "
              "(500 when one failed)",
       .default_value = OptionValue::of("none"),
       .choices = {"none", "end_to_end"}},
      {.name = "ack_timeout",
       .type = OptionType::duration,
       .doc = "with ack = \"end_to_end\": answer 504 when the messages are not written by then",
       .default_value = OptionValue::duration(30 * kNanosPerSecond),
       .min = 0.001},
  };
  t.make = [](const Options& o) { return std::make_unique<HttpServer>(o); };
  return t;
}

}  // namespace sluice::builtins
