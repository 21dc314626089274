// What the nats source and sink share: a JetStream connection that is made
// with retries and a clear error naming the URL, stream provisioning, and
// nats.c status texts. See reference/jetstream.md for the API and pitfalls.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sluice/options.hpp"
#include "sluice/stage.hpp"

namespace sluice::builtins::nats {

/// "status text (jerr N): last error" for a failed nats.c call.
std::string error_text(natsStatus s, jsErrCode jerr = static_cast<jsErrCode>(0));

/// What nats.c's connection callbacks (on its own threads) tell the owner.
struct ConnectionEvents {
  std::atomic<std::uint64_t> reconnects{0};
};

/// A connection and its JetStream context; destroyed together (flushed first).
class Connection {
 public:
  Connection(natsConnection* nc, jsCtx* js, std::unique_ptr<ConnectionEvents> events) noexcept
      : nc_(nc), js_(js), events_(std::move(events)) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  [[nodiscard]] natsConnection* nc() const noexcept { return nc_; }
  [[nodiscard]] jsCtx* js() const noexcept { return js_; }
  /// How often nats.c has reconnected (a restarted server forgot our pull requests).
  [[nodiscard]] std::uint64_t reconnects() const noexcept {
    return events_->reconnects.load(std::memory_order_acquire);
  }

 private:
  natsConnection* nc_;
  jsCtx* js_;
  std::unique_ptr<ConnectionEvents> events_;  ///< outlives nc_ (its callbacks' closure)
};

struct ConnectSettings {
  std::string url;
  std::string name;          ///< connection name the server shows
  Nanos connect_timeout{0};  ///< give up (an error naming the URL) after this long
  bool send_asap{false};     ///< no flusher coalescing (fetch requests go out at once)
};

/// Connects, retrying with a doubling backoff and a warning per failed try,
/// until settings.connect_timeout has passed or the run is cancelled; then
/// throws std::runtime_error naming the URL. Reconnects forever afterwards.
/// `js_options` (may be null) configures the JetStream context.
std::shared_ptr<Connection> connect(const ConnectSettings& settings, Context& ctx,
                                    jsOptions* js_options);

/// Creates stream `stream` on `subject` when it does not exist (concurrent
/// creation by several runners is fine); throws on any other failure.
void ensure_stream(jsCtx* js, const std::string& stream, const std::string& subject,
                   std::string_view retention, Context& ctx);

/// The option specs both stage types take (url, connect_timeout).
OptionSpec url_option();
OptionSpec connect_timeout_option();

}  // namespace sluice::builtins::nats
