// The HTTP client of the http stage and the http_post sink: one libcurl
// multi handle driven by one thread for the whole process, however many
// requests are open. A request is submitted from any thread with a callback;
// the driver thread adds it to the multi handle, waits in curl_multi_poll
// (woken by curl_multi_wakeup when a request or a cancellation arrives) and
// calls the callback on that thread when the response is in, the transfer
// failed, or the request was cancelled. The thread starts with the first
// user (Client::shared()) and ends when the last one lets go.
//
//   auto client = http::Client::shared();
//   const auto id = client->submit({.url = "http://127.0.0.1:8080/x"},
//                                  [](http::Response r) { use(r.status, r.body); });
//   client->cancel(id);  // the callback still runs once, with r.cancelled
//
// Thread-safety: submit, cancel and after run from any thread; callbacks
// run on the driver thread and must not block (they may submit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sluice/clock.hpp"

namespace sluice::builtins::http {

struct Request {
  std::string method{"GET"};
  std::string url{};
  std::vector<std::string> headers{};  ///< "Name: value"
  std::string body{};
  bool send_body{false};              ///< a body (possibly empty) goes with the request
  Nanos timeout{0};                   ///< whole transfer; 0: none
  Nanos connect_timeout{0};           ///< 0: libcurl's default
  bool insecure{false};               ///< no TLS peer or host verification
  std::string ca_file{};              ///< CA bundle; empty: the system's
  std::size_t max_response_bytes{0};  ///< 0: no limit
  /// Response headers to keep, lower case ("content-type"); retry-after always.
  std::vector<std::string> keep_headers{};
};

struct Response {
  long status{0};  ///< the HTTP status; 0 when no response came
  std::string body;
  /// The kept headers, names in lower case, in arrival order (last response
  /// after redirects).
  std::vector<std::pair<std::string, std::string>> headers;
  /// The transfer failed (no complete response): libcurl's error text.
  std::string error;
  int curl_code{0};       ///< CURLcode of the transfer; 0 = CURLE_OK
  bool too_large{false};  ///< the body passed max_response_bytes
  bool cancelled{false};  ///< cancel() or the client ended first

  [[nodiscard]] const std::string* header(std::string_view lower_name) const noexcept {
    for (const auto& [k, v] : headers) {
      if (k == lower_name) return &v;
    }
    return nullptr;
  }
};

using Done = std::function<void(Response&&)>;

class Client {
 public:
  /// The process's client, started when no one holds it.
  static std::shared_ptr<Client> shared();

  Client();
  ~Client();  ///< fails what is open (cancelled), stops the thread
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Starts `request`; `done` runs exactly once on the driver thread. The id
  /// names the request to cancel().
  std::uint64_t submit(Request request, Done done);
  /// Aborts request `id` (its callback gets cancelled = true) unless it is
  /// finished already; never blocks.
  void cancel(std::uint64_t id);
  /// Runs `fn` on the driver thread at `when` (SteadyClock time) or soon
  /// after; not at all if the client ends first.
  void after(Nanos when, std::function<void()> fn);

  /// Requests in libcurl's hands now (for tests).
  [[nodiscard]] std::size_t open_requests() const;

 private:
  struct Driver;
  std::unique_ptr<Driver> d_;
};

}  // namespace sluice::builtins::http
