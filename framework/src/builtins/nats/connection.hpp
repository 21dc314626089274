// What the nats source and sink share: a JetStream connection that is made
// with retries and a clear error naming the URL, stream provisioning, and
// nats.c status texts.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
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
  std::atomic<bool> connected{false};
  std::atomic<int> attempts{1};        ///< connect attempts made so far
  std::atomic<Nanos> next_attempt{0};  ///< steady time nats.c tries again
  std::mutex mu;                       ///< with cv: for a blocking waiter (sinks)
  std::condition_variable cv;
};

/// A connection and its JetStream context; destroyed together (flushed first).
class Connection {
 public:
  Connection(natsConnection* nc, jsCtx* js, std::shared_ptr<ConnectionEvents> events) noexcept
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
  std::shared_ptr<ConnectionEvents> events_;  ///< outlives nc_ (its callbacks' closure)
};

struct ConnectSettings {
  std::string url;
  std::string name;          ///< connection name the server shows
  Nanos connect_timeout{0};  ///< give up (an error naming the URL) after this long
  bool send_asap{false};     ///< no flusher coalescing (fetch requests go out at once)
};

/// A first connection being made. nats.c retries it on its own thread with
/// doubling waits (natsOptions_SetRetryOnFailedConnect), so no thread of
/// ours sleeps: a source asks poll() again at next_poll() (a timer), a sink
/// waits for nats.c's connected callback. Once connected, it reconnects
/// forever.
class Connecting {
 public:
  /// Starts connecting; throws on a malformed URL.
  Connecting(ConnectSettings settings, jsOptions* js_options, Nanos now);
  ~Connecting();
  Connecting(const Connecting&) = delete;
  Connecting& operator=(const Connecting&) = delete;

  /// The connection once made, else null; logs a warning per failed attempt
  /// ("cannot connect to URL: why; retrying in Ns"). Throws
  /// std::runtime_error naming the URL once connect_timeout has passed.
  std::shared_ptr<Connection> poll(Context& ctx);
  /// When poll() next has news (the attempt after the current wait).
  [[nodiscard]] Nanos next_poll(Nanos now) const;
  /// Blocks until connected (or throws like poll(); also when cancelled),
  /// waiting on nats.c's callback, not sleeping.
  std::shared_ptr<Connection> wait(Context& ctx);

 private:
  ConnectSettings settings_;
  jsOptions* js_options_;
  std::shared_ptr<ConnectionEvents> events_;
  natsConnection* nc_{nullptr};
  Nanos start_;
  int warned_attempts_{0};
  std::string why_;  ///< the first attempt's error
};

/// Connects, waiting (not sleeping) for nats.c's retries; see Connecting.
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
