#include "builtins/nats_common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace sluice::builtins::nats {
namespace {

constexpr Nanos kFirstRetry = from_millis(100);
constexpr Nanos kMaxRetry = 2 * kNanosPerSecond;

void on_reconnected(natsConnection*, void* closure) {
  static_cast<ConnectionEvents*>(closure)->reconnects.fetch_add(1, std::memory_order_acq_rel);
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

std::shared_ptr<Connection> connect(const ConnectSettings& settings, Context& ctx,
                                    jsOptions* js_options) {
  natsOptions* opts = nullptr;
  if (natsOptions_Create(&opts) != NATS_OK) throw std::runtime_error("nats: out of memory");
  const std::unique_ptr<natsOptions, void (*)(natsOptions*)> guard(opts, natsOptions_Destroy);
  natsStatus s = natsOptions_SetURL(opts, settings.url.c_str());
  if (s != NATS_OK) {
    throw std::runtime_error(fmt::format("nats: bad url '{}': {}", settings.url, error_text(s)));
  }
  natsOptions_SetName(opts, settings.name.c_str());
  natsOptions_SetTimeout(opts, 2000);              // one connect attempt
  natsOptions_SetMaxReconnect(opts, -1);           // once connected, never give up
  natsOptions_SetReconnectWait(opts, 250);         // ms
  natsOptions_SetReconnectBufSize(opts, 8 << 20);  // acks sent while the server is away
  if (settings.send_asap) natsOptions_SetSendAsap(opts, true);
  auto events = std::make_unique<ConnectionEvents>();
  natsOptions_SetReconnectedCB(opts, &on_reconnected, events.get());

  const Nanos start = ctx.now();
  Nanos wait = kFirstRetry;
  for (int attempt = 1;; ++attempt) {
    natsConnection* nc = nullptr;
    s = natsConnection_Connect(&nc, opts);
    if (s == NATS_OK) {
      jsCtx* js = nullptr;
      s = natsConnection_JetStream(&js, nc, js_options);
      if (s != NATS_OK) {
        natsConnection_Destroy(nc);
        throw std::runtime_error(
            fmt::format("nats: no JetStream context on {}: {}", settings.url, error_text(s)));
      }
      if (attempt > 1) ctx.log(LogLevel::info, fmt::format("connected to {}", settings.url));
      return std::make_shared<Connection>(nc, js, std::move(events));
    }
    const std::string why = error_text(s);
    const Nanos spent = ctx.now() - start;
    if (spent + wait > settings.connect_timeout || ctx.cancelled()) {
      throw std::runtime_error(
          fmt::format("nats: cannot connect to {} (gave up after {} attempts in {:.1f}s): {}",
                      settings.url, attempt, to_seconds(spent), why));
    }
    ctx.log(LogLevel::warn, fmt::format("cannot connect to {}: {}; retrying in {:.1f}s",
                                        settings.url, why, to_seconds(wait)));
    // Connecting happens in open(), on the I/O pool: a sleep there takes no arena thread.
    std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
    wait = std::min(wait * 2, kMaxRetry);
  }
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
