#include "builtins/nats/connection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <utility>

namespace sluice::builtins::nats {
namespace {

constexpr Nanos kFirstRetry = from_millis(100);
constexpr Nanos kMaxRetry = 2 * kNanosPerSecond;

void on_reconnected(natsConnection*, void* closure) {
  static_cast<ConnectionEvents*>(closure)->reconnects.fetch_add(1, std::memory_order_acq_rel);
}

void on_connected(natsConnection*, void* closure) {
  auto* events = static_cast<ConnectionEvents*>(closure);
  {
    const std::lock_guard lock(events->mu);
    events->connected.store(true, std::memory_order_release);
  }
  events->cv.notify_all();
}

/// nats.c asks how long to wait before its next attempt: doubling waits.
std::int64_t retry_delay_ms(natsConnection*, int attempts, void* closure) {
  auto* events = static_cast<ConnectionEvents*>(closure);
  const Nanos wait = std::min(kFirstRetry << std::min(attempts - 1, 10), kMaxRetry);
  events->next_attempt.store(SteadyClock::instance().now() + wait, std::memory_order_release);
  events->attempts.store(attempts + 1, std::memory_order_release);
  {
    const std::lock_guard lock(events->mu);  // a waiter logs the failed attempt
  }
  events->cv.notify_all();
  return wait / 1'000'000;
}

}  // namespace

std::string error_text(natsStatus s, jsErrCode jerr) {
  std::string text = natsStatus_GetText(s);
  if (jerr != 0) text += fmt::format(" (jetstream error {})", static_cast<int>(jerr));
  natsStatus last = NATS_OK;
  if (const char* detail = nats_GetLastError(&last); detail != nullptr && *detail != '\0') {
    if (text.find(detail) == std::string::npos) text += fmt::format(": {}", detail);
  }
  return text;
}

Connection::~Connection() {
  if (nc_ != nullptr) natsConnection_FlushTimeout(nc_, 2000);  // acks still buffered
  if (js_ != nullptr) jsCtx_Destroy(js_);
  if (nc_ != nullptr) natsConnection_Destroy(nc_);
}

Connecting::Connecting(ConnectSettings settings, jsOptions* js_options, Nanos now)
    : settings_(std::move(settings)),
      js_options_(js_options),
      events_(std::make_shared<ConnectionEvents>()),
      start_(now) {
  natsOptions* opts = nullptr;
  if (natsOptions_Create(&opts) != NATS_OK) throw std::runtime_error("nats: out of memory");
  const std::unique_ptr<natsOptions, void (*)(natsOptions*)> guard(opts, natsOptions_Destroy);
  natsStatus s = natsOptions_SetURL(opts, settings_.url.c_str());
  if (s != NATS_OK) {
    throw std::runtime_error(fmt::format("nats: bad url '{}': {}", settings_.url, error_text(s)));
  }
  natsOptions_SetName(opts, settings_.name.c_str());
  natsOptions_SetTimeout(opts, 2000);              // one connect attempt
  natsOptions_SetMaxReconnect(opts, -1);           // first connect and reconnects: forever
  natsOptions_SetReconnectBufSize(opts, 8 << 20);  // acks sent while the server is away
  natsOptions_SetCustomReconnectDelay(opts, &retry_delay_ms, events_.get());
  natsOptions_SetReconnectedCB(opts, &on_reconnected, events_.get());
  natsOptions_SetRetryOnFailedConnect(opts, true, &on_connected, events_.get());
  if (settings_.send_asap) natsOptions_SetSendAsap(opts, true);
  events_->next_attempt.store(now + kFirstRetry, std::memory_order_release);
  s = natsConnection_Connect(&nc_, opts);
  if (s == NATS_OK) {
    events_->connected.store(true, std::memory_order_release);
  } else if (s == NATS_NOT_YET_CONNECTED) {
    why_ = "no server answers there (connection refused or timed out)";
  } else {
    throw std::runtime_error(
        fmt::format("nats: cannot connect to {}: {}", settings_.url, error_text(s)));
  }
}

Connecting::~Connecting() {
  if (nc_ != nullptr) natsConnection_Destroy(nc_);  // stops nats.c's retries
}

std::shared_ptr<Connection> Connecting::poll(Context& ctx) {
  if (nc_ == nullptr) throw std::logic_error("nats: connection already taken");
  if (events_->connected.load(std::memory_order_acquire)) {
    jsCtx* js = nullptr;
    const natsStatus s = natsConnection_JetStream(&js, nc_, js_options_);
    if (s != NATS_OK) {
      throw std::runtime_error(
          fmt::format("nats: no JetStream context on {}: {}", settings_.url, error_text(s)));
    }
    if (warned_attempts_ > 0)
      ctx.log(LogLevel::info, fmt::format("connected to {}", settings_.url));
    return std::make_shared<Connection>(std::exchange(nc_, nullptr), js, events_);
  }
  const int attempts = events_->attempts.load(std::memory_order_acquire);
  const Nanos now = ctx.now();
  const Nanos spent = now - start_;
  if (spent >= settings_.connect_timeout || ctx.cancelled()) {
    throw std::runtime_error(
        fmt::format("nats: cannot connect to {} (gave up after {} attempts in {:.1f}s): {}",
                    settings_.url, attempts, to_seconds(spent), why_));
  }
  if (attempts > warned_attempts_) {
    warned_attempts_ = attempts;
    const Nanos next = events_->next_attempt.load(std::memory_order_acquire);
    ctx.log(LogLevel::warn,
            fmt::format("cannot connect to {}: {}; retrying in {:.1f}s", settings_.url, why_,
                        to_seconds(std::max<Nanos>(next - SteadyClock::instance().now(), 0))));
  }
  return nullptr;
}

Nanos Connecting::next_poll(Nanos now) const {
  // Just after nats.c's next attempt (steady time), and no later than the timeout.
  const Nanos next = events_->next_attempt.load(std::memory_order_acquire) -
                     SteadyClock::instance().now() + now + from_millis(20);
  return std::min(std::max(next, now + from_millis(20)), start_ + settings_.connect_timeout);
}

std::shared_ptr<Connection> Connecting::wait(Context& ctx) {
  for (;;) {
    if (auto conn = poll(ctx)) return conn;
    std::unique_lock lock(events_->mu);
    const int attempts = events_->attempts.load(std::memory_order_acquire);
    // Woken by nats.c (connected, or an attempt failed); the timeout is only
    // for connect_timeout and a cancelled run, which nothing signals.
    events_->cv.wait_for(lock, std::chrono::milliseconds(100), [&] {
      return events_->connected.load(std::memory_order_acquire) ||
             events_->attempts.load(std::memory_order_acquire) != attempts;
    });
  }
}

std::shared_ptr<Connection> connect(const ConnectSettings& settings, Context& ctx,
                                    jsOptions* js_options) {
  Connecting connecting(settings, js_options, ctx.now());
  return connecting.wait(ctx);
}

void ensure_stream(jsCtx* js, const std::string& stream, const std::string& subject,
                   std::string_view retention, Context& ctx) {
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, js, stream.c_str(), nullptr, &jerr);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(si);
    return;
  }
  if (s != NATS_NOT_FOUND) {
    throw std::runtime_error(
        fmt::format("nats: cannot look up stream '{}': {}", stream, error_text(s, jerr)));
  }
  if (subject.empty()) {
    throw std::runtime_error(fmt::format(
        "nats: stream '{}' does not exist and no 'subject' is given to create it on", stream));
  }
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  const char* subjects[] = {subject.c_str()};
  cfg.Name = stream.c_str();
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Retention = retention == "limits" ? js_LimitsPolicy : js_WorkQueuePolicy;
  cfg.Storage = js_FileStorage;
  jerr = static_cast<jsErrCode>(0);
  s = js_AddStream(&si, js, &cfg, nullptr, &jerr);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(si);
    ctx.log(LogLevel::info,
            fmt::format("created stream '{}' on '{}' ({} retention)", stream, subject, retention));
    return;
  }
  // Another runner may have created it meanwhile (with its own settings).
  if (js_GetStreamInfo(&si, js, stream.c_str(), nullptr, nullptr) == NATS_OK) {
    jsStreamInfo_Destroy(si);
    return;
  }
  throw std::runtime_error(
      fmt::format("nats: cannot create stream '{}': {}", stream, error_text(s, jerr)));
}

OptionSpec url_option() {
  return {.name = "url",
          .type = OptionType::string,
          .doc = "NATS server URL; several separated by commas",
          .default_value = OptionValue::of("nats://127.0.0.1:4222")};
}

OptionSpec connect_timeout_option() {
  return {.name = "connect_timeout",
          .type = OptionType::duration,
          .doc = "keep retrying the first connection this long (doubling waits), then fail",
          .default_value = OptionValue::duration(10 * kNanosPerSecond),
          .min = 0};
}

}  // namespace sluice::builtins::nats
