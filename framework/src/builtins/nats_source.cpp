// nats (source): pulls from a JetStream durable pull consumer that every
// runner of the pipeline shares, and acks each message only when the
// pipeline has finished with it (ack.hpp), so that several runners on several
// machines share one stream and a runner killed with `kill -9` loses nothing.
// What it holds and how each message is settled (ack, nak, term, leases, dead
// letters) is nats/tracker.hpp; this file pulls.
//
// - Pulling: one raw pull request at a time ($JS.API.CONSUMER.MSG.NEXT) whose
//   messages come to an inbox subscription of the source; its end status
//   (408 at expiry, 409) comes to `<inbox>.<request id>`, so a stale status
//   of an older request is ignored. Not natsSubscription_Fetch: in nats.c
//   3.4.1 it can collect more messages than the array it allocated after a
//   reconnect left messages queued on its inbox (a heap overflow seen as
//   "malloc(): invalid size" in the server-restart test, found with ASan).
//   A request that gets no end status (lost with a restarted server) is given
//   up at its deadline, or at once when nats.c reports a reconnect.
// - Blocking: waiting for the inbox (at most fetch_wait) blocks, so the stage
//   is `blocking` and runs on the I/O pool, never on the arena. A foreign
//   thread cannot wake a source, so the alternative (wait + wake_at) would be
//   a polling loop.
// - Credit: at most max_inflight messages are fetched and not yet settled; a
//   request asks for min(fetch_batch, credit), so it never asks beyond the
//   consumer's MaxAckPending headroom (a request for more stalls until it
//   expires). With no credit the source parks on a timer instead of holding
//   an I/O thread.
// - Each message's ack token is its reply subject, so the natsMsg is
//   destroyed at once: nats.c's natsMsg is neither thread-safe nor counted,
//   and its own acks go through a subscription pointer that may dangle.
// - Stop: messages still held when the source is destroyed are nak'ed; those
//   a cancelled run drops are nak'ed as they are dropped (abandoned).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "builtins/builtins.hpp"
#include "builtins/nats/ack_subject.hpp"
#include "builtins/nats/connection.hpp"
#include "builtins/nats/source_config.hpp"
#include "builtins/nats/tracker.hpp"
#include "builtins/nats/url_check.hpp"
#include "sluice/resilience.hpp"
#include "trace_id.hpp"

namespace sluice::builtins {
namespace {

using nats::Connection;
using nats::error_text;
using nats::SourceConfig;
using nats::Tracker;

/// The trace id a message's headers carry: `Sluice-Trace-Id` (what the nats
/// sink writes), else the trace-id of a W3C `traceparent`.
std::optional<std::uint64_t> header_trace_id(natsMsg* nm) {
  for (const char* name : {"Sluice-Trace-Id", "traceparent"}) {
    const char* value = nullptr;
    if (natsMsgHeader_Get(nm, name, &value) == NATS_OK && value != nullptr) {
      if (auto id = parse_trace_id(value)) return id;
    }
  }
  return std::nullopt;
}

class NatsSource final : public Source {
 public:
  explicit NatsSource(const Options& o) : cfg_(o) {}
  ~NatsSource() override {
    if (inbox_sub_ != nullptr) {
      // The open pull request may still bring messages: unsubscribe, and let
      // a flush (PING/PONG) prove the server took it and nats.c's reader has
      // handled everything sent before, then free the subscription.
      natsSubscription_Unsubscribe(inbox_sub_);
      if (conn_) natsConnection_FlushTimeout(conn_->nc(), 1000);
      natsSubscription_Destroy(inbox_sub_);
    }
    if (tracker_) {
      tracker_->nak_all();  // what nobody finished goes back to the stream at once
      tracker_->detach_context();
    }
  }

  void open(Context& ctx) override {
    cfg_.connect.name = fmt::format("sluice {} {} pid {}", ctx.stage_name(), ctx.instance(),
                                    static_cast<long>(::getpid()));
    // Connecting is left to nats.c's retries; produce() looks again on a timer.
    connecting_ = std::make_unique<nats::Connecting>(cfg_.connect, nullptr, ctx.now());
  }

  SourceStatus produce(Emitter& out, Context& ctx, std::size_t budget) override {
    if (!tracker_) {
      conn_ = connecting_->poll(ctx);  // throws, naming the URL, after connect_timeout
      if (!conn_) {
        ctx.wake_at(connecting_->next_poll(ctx.now()));
        return SourceStatus::wait;
      }
      connecting_.reset();
      set_up(ctx);
    }
    return pull(out, ctx, budget);
  }

 private:
  /// Once connected: the ack connection, the stream and consumer, the tracker.
  void set_up(Context& ctx) {
    // Acks go on a second, buffered connection: nats.c's flusher coalesces
    // them into few writes, while pull requests go out at once on the first
    // (SendAsap: nats.c's flusher would add about 1 ms per request). The server has just
    // answered, so this one is quick.
    nats::ConnectSettings acks = cfg_.connect;
    acks.name += " acks";
    acks.send_asap = false;
    ack_conn_ = nats::connect(acks, ctx, nullptr);
    if (cfg_.create)
      nats::ensure_stream(conn_->js(), cfg_.stream, cfg_.subject, cfg_.retention, ctx);
    const std::int64_t consumer_cap = bind_consumer(ctx);
    max_inflight_ = cfg_.max_inflight;
    if (consumer_cap > 0 && max_inflight_ > consumer_cap) {
      ctx.log(LogLevel::warn,
              fmt::format("max_inflight {} exceeds consumer '{}' max_ack_pending {}; using {}",
                          max_inflight_, cfg_.consumer, consumer_cap, consumer_cap));
      max_inflight_ = consumer_cap;
    }
    tracker_ = std::make_shared<Tracker>(ack_conn_, cfg_, ctx);
    last_message_ = ctx.now();
  }

  SourceStatus pull(Emitter& out, Context& ctx, std::size_t budget) {
    const Nanos now = ctx.now();
    if (cfg_.idle_stop > 0 && now - last_message_ >= cfg_.idle_stop) {
      ctx.log(LogLevel::info, fmt::format("no message for {:g}s: stopping (stop_when_idle)",
                                          to_seconds(cfg_.idle_stop)));
      return SourceStatus::done;
    }
    if (const std::uint64_t r = conn_->reconnects(); r != reconnects_seen_) {
      // A restarted server has forgotten our pull request: ask again at once.
      ctx.add_counter("reconnects", r - reconnects_seen_);
      reconnects_seen_ = r;
      request_.open = false;
    }
    if (request_.open && now >= request_.deadline) {
      ctx.add_counter("pull_requests_lost");  // no 408 came: lost with a connection
      request_.open = false;
    }
    if (!request_.open) {
      const auto inflight = static_cast<std::int64_t>(tracker_->inflight());
      const std::int64_t credit = max_inflight_ - inflight;
      if (credit <= 0) {  // wait for settlements; a timer, not a held I/O thread
        ctx.add_counter("credit_waits");
        credit_wait_ = std::min<Nanos>(credit_wait_ * 2, from_millis(20));
        ctx.wake_at(now + credit_wait_);
        return SourceStatus::wait;
      }
      credit_wait_ = from_micros(500);
      if (const natsStatus s = request(std::min(cfg_.fetch_batch, credit), now); s != NATS_OK) {
        return fetch_failed(ctx, now, s);
      }
    }
    // Take what has come, waiting (at most fetch_wait) only for the first one.
    const SpentGuard spent_guard(spent_);
    std::uint64_t got = 0, redelivered = 0;
    while (got < budget) {
      const Nanos left = std::min(request_.deadline, now + cfg_.fetch_wait) - ctx.now();
      const std::int64_t wait_ms = got > 0 ? 0 : std::max<std::int64_t>(1, left / 1'000'000);
      if (got > 0 && !queued()) break;
      natsMsg* nm = nullptr;
      const natsStatus s = natsSubscription_NextMsg(&nm, inbox_sub_, wait_ms > 0 ? wait_ms : 1);
      if (s == NATS_TIMEOUT) break;
      if (s != NATS_OK) {
        if (got > 0) break;
        return fetch_failed(ctx, now, s);
      }
      spent_.push_back(nm);
      if (status_message(nm, ctx, now)) {
        if (!request_.open) break;  // this request is over; the next one goes out now
        continue;
      }
      if (request_.remaining > 0) --request_.remaining;
      if (request_.remaining == 0) request_.open = false;
      if (emit(nm, out, now)) ++redelivered;
      ++got;
      if (!request_.open) break;
    }
    if (got > 0) error_wait_ = 0;
    if (got == 0 && std::exchange(status_error_, false)) {
      error_wait_ =
          std::min<Nanos>(std::max<Nanos>(error_wait_ * 2, from_millis(50)), 2 * kNanosPerSecond);
      ctx.wake_at(now + error_wait_);
      return SourceStatus::wait;
    }
    if (got > 0) {
      last_message_ = now;
      ctx.add_counter("fetched", got);
      if (redelivered > 0) ctx.add_counter("redelivered", redelivered);
    }
    return SourceStatus::more;
  }

  /// Destroys the messages a produce() took, together: nats.c frees messages
  /// on its GC thread and wakes it whenever its list was empty, that is once
  /// per message when destroyed one by one (a quarter of a worker's CPU).
  struct SpentGuard {
    explicit SpentGuard(std::vector<natsMsg*>& s) : spent(s) {}
    std::vector<natsMsg*>& spent;
    SpentGuard(const SpentGuard&) = delete;
    SpentGuard& operator=(const SpentGuard&) = delete;
    ~SpentGuard() {
      for (natsMsg* nm : spent) natsMsg_Destroy(nm);
      spent.clear();
    }
  };

  /// The pull request in flight: a source keeps one at a time, so that a
  /// status ending it (408 at expiry, 409) settles its count exactly.
  struct PullRequest {
    bool open{false};
    std::uint64_t id{0};
    std::int64_t remaining{0};  ///< messages it may still bring
    Nanos deadline{0};          ///< no end status by then: lost (a reconnect)
  };

  /// Asks the consumer for up to `n` messages, delivered to this source's
  /// inbox; its end (408 / 409) comes to `<inbox>.<id>`, so that a stale
  /// status of an older request is told apart (nats.c 3.4.1's Fetch reuses
  /// one inbox, so a late 408 can end a later request early).
  natsStatus request(std::int64_t n, Nanos now) {
    request_.id += 1;
    request_.remaining = n;
    request_.deadline = now + cfg_.fetch_wait + std::max<Nanos>(cfg_.fetch_wait, kNanosPerSecond);
    const std::string reply = fmt::format("{}.{}", inbox_, request_.id);
    const std::string body = fmt::format(R"({{"batch":{},"expires":{}}})", n, cfg_.fetch_wait);
    const natsStatus s = natsConnection_PublishRequestString(conn_->nc(), next_subject_.c_str(),
                                                             reply.c_str(), body.c_str());
    request_.open = s == NATS_OK;
    return s;
  }

  /// True when `nm` is a status (no payload, a Status header), not a message;
  /// one addressed to the open request ends it.
  bool status_message(natsMsg* nm, Context& ctx, Nanos now) {
    const char* status = nullptr;
    if (natsMsg_GetDataLength(nm) != 0 || natsMsgHeader_Get(nm, "Status", &status) != NATS_OK ||
        status == nullptr) {
      return false;
    }
    const std::string_view code(status);
    if (code == "100") return true;  // idle heartbeat
    const std::string_view subject(natsMsg_GetSubject(nm));
    const std::string mine = fmt::format("{}.{}", inbox_, request_.id);
    if (request_.open && subject == mine) request_.open = false;
    if (code == "404" || code == "408") return true;
    status_error_ = true;  // 409 and the like: the next request waits a little
    if (now - last_warning_ >= 5 * kNanosPerSecond) {
      const char* desc = nullptr;
      natsMsgHeader_Get(nm, "Description", &desc);
      last_warning_ = now;
      ctx.log(LogLevel::warn, fmt::format("pull request to stream '{}', consumer '{}': {} {}",
                                          cfg_.stream, cfg_.consumer, code, desc ? desc : ""));
    }
    return true;
  }

  [[nodiscard]] bool queued() const {
    int msgs = 0, bytes = 0;
    return natsSubscription_GetPending(inbox_sub_, &msgs, &bytes) == NATS_OK && msgs > 0;
  }

  /// Emits `nm` with an ack handle; true when it is a redelivery.
  bool emit(natsMsg* nm, Emitter& out, Nanos now) {
    const char* reply = natsMsg_GetReply(nm);
    std::uint64_t delivered = 1, stream_seq = 0;
    if (const auto a = reply != nullptr ? nats::parse_ack_subject(reply) : std::nullopt) {
      delivered = a->delivered;
      stream_seq = a->stream_seq;
    } else {
      jsMsgMetaData* md = nullptr;
      if (natsMsg_GetMetaData(&md, nm) == NATS_OK) {
        delivered = md->NumDelivered;
        stream_seq = md->Sequence.Stream;
        jsMsgMetaData_Destroy(md);
      }
    }
    Message& m = out.emplace();
    m.seq = stream_seq;
    // Without a header, an id made from the stream and the message's place in
    // it: each delivery of a message (a redelivery, on another runner too)
    // logs the same one.
    const auto header_id = header_trace_id(nm);
    m.trace_id = header_id         ? *header_id
                 : stream_seq != 0 ? derived_trace_id(stable_hash(cfg_.stream), stream_seq)
                                   : trace_ids_.next();
    m.ingest_ns = now;
    m.payload.assign(natsMsg_GetData(nm), static_cast<std::size_t>(natsMsg_GetDataLength(nm)));
    m.attrs.set("nats_subject", natsMsg_GetSubject(nm));
    m.attrs.set("nats_stream_seq", std::to_string(stream_seq));
    m.attrs.set("nats_delivered", std::to_string(delivered));
    m.ack = AckRef::make(
        tracker_, tracker_->keeps_payloads()
                      ? tracker_->add(reply ? reply : "", delivered, stream_seq, now,
                                      natsMsg_GetSubject(nm), std::string(m.payload), m.trace_id)
                      : tracker_->add(reply ? reply : "", delivered, stream_seq, now));
    return delivered > 1;
  }

  SourceStatus fetch_failed(Context& ctx, Nanos now, natsStatus s) {
    request_.open = false;
    if (now - last_warning_ >= 5 * kNanosPerSecond) {
      last_warning_ = now;
      ctx.log(LogLevel::warn,
              fmt::format("fetch from {} (stream '{}', consumer '{}') failed: {}; retrying",
                          cfg_.connect.url, cfg_.stream, cfg_.consumer, error_text(s)));
    }
    ctx.add_counter("fetch_errors");
    error_wait_ =
        std::min<Nanos>(std::max<Nanos>(error_wait_ * 2, from_millis(50)), 2 * kNanosPerSecond);
    ctx.wake_at(now + error_wait_);
    return SourceStatus::wait;
  }

  /// Finds the consumer (creating it when asked) and subscribes the inbox its
  /// messages come to; returns the consumer's MaxAckPending.
  std::int64_t bind_consumer(Context& ctx) {
    jsConsumerInfo* ci = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_GetConsumerInfo(&ci, conn_->js(), cfg_.stream.c_str(), cfg_.consumer.c_str(),
                                      nullptr, &jerr);
    if (s == NATS_NOT_FOUND && cfg_.create) {
      jsConsumerConfig cc;
      jsConsumerConfig_Init(&cc);
      cc.Durable = cfg_.consumer.c_str();
      cc.AckPolicy = js_AckExplicit;
      cc.AckWait = cfg_.ack_wait;
      // The client terms at max_deliver; the server's limit is only a backstop
      // (a message that reaches it on a work queue stays in the stream forever).
      cc.MaxDeliver = cfg_.max_deliver > 0 ? cfg_.max_deliver * 2 + 1 : -1;
      cc.MaxAckPending = cfg_.max_ack_pending;
      if (!cfg_.subject.empty()) cc.FilterSubject = cfg_.subject.c_str();
      jerr = static_cast<jsErrCode>(0);
      s = js_AddConsumer(&ci, conn_->js(), cfg_.stream.c_str(), &cc, nullptr, &jerr);
      if (s == NATS_OK) {
        ctx.log(LogLevel::info,
                fmt::format("created consumer '{}' on stream '{}'", cfg_.consumer, cfg_.stream));
      }
    }
    if (s != NATS_OK) {
      throw std::runtime_error(
          fmt::format("nats: consumer '{}' of stream '{}' on {}: {}{}", cfg_.consumer, cfg_.stream,
                      cfg_.connect.url, error_text(s, jerr),
                      s == NATS_NOT_FOUND ? " (set create = true to create it)" : ""));
    }
    std::int64_t cap = 0;
    if (ci->Config != nullptr) {
      cap = ci->Config->MaxAckPending;
      if (ci->Config->AckWait != cfg_.ack_wait) {
        ctx.log(
            LogLevel::warn,
            fmt::format("consumer '{}' has ack_wait {:g}s, not the {:g}s configured; the "
                        "server's value applies",
                        cfg_.consumer, to_seconds(ci->Config->AckWait), to_seconds(cfg_.ack_wait)));
      }
    }
    jsConsumerInfo_Destroy(ci);
    // Pulls are raw requests to the consumer (not natsSubscription_Fetch, whose
    // 3.4.1 version can return more messages than its array holds after a
    // reconnect: a heap overflow), answered on an inbox of our own.
    natsInbox* inbox = nullptr;
    if (natsInbox_Create(&inbox) != NATS_OK) throw std::runtime_error("nats: out of memory");
    inbox_ = inbox;
    natsInbox_Destroy(inbox);
    next_subject_ = fmt::format("$JS.API.CONSUMER.MSG.NEXT.{}.{}", cfg_.stream, cfg_.consumer);
    s = natsConnection_SubscribeSync(&inbox_sub_, conn_->nc(), (inbox_ + ".*").c_str());
    if (s == NATS_OK) {
      // Never drop what a pull request brings (the credit bounds it anyway).
      s = natsSubscription_SetPendingLimits(inbox_sub_, -1, -1);
    }
    if (s != NATS_OK) {
      throw std::runtime_error(fmt::format("nats: cannot subscribe to an inbox on {}: {}",
                                           cfg_.connect.url, error_text(s)));
    }
    return cap;
  }

  SourceConfig cfg_;
  std::unique_ptr<nats::Connecting> connecting_;  ///< until the first connection is made
  std::shared_ptr<Connection> conn_;              ///< JetStream API and pull requests (SendAsap)
  std::shared_ptr<Connection> ack_conn_;  ///< acks, naks, leases (buffered); kept by tracker_
  std::shared_ptr<Tracker> tracker_;
  natsSubscription* inbox_sub_{nullptr};
  std::string inbox_, next_subject_;
  PullRequest request_;
  std::uint64_t reconnects_seen_{0};
  bool status_error_{false};
  std::vector<natsMsg*> spent_;
  std::int64_t max_inflight_{0};
  TraceIds trace_ids_;  ///< for messages whose headers carry no trace id
  Nanos credit_wait_{from_micros(500)};
  Nanos error_wait_{0};
  Nanos last_message_{0};
  Nanos last_warning_{-10 * kNanosPerSecond};
};

}  // namespace

StageType nats_source_type() {
  StageType t;
  t.name = "nats";
  t.doc =
      "pulls from a NATS JetStream durable consumer shared by every runner; acks a message when "
      "the pipeline has finished with it, naks it with a growing delay when it failed; the "
      "trace id comes from a Sluice-Trace-Id or W3C traceparent header, else from the stream "
      "and stream sequence";
  t.blocking = true;  // the fetch waits: on the I/O pool, never on the arena
  t.schema.options = {
      nats::url_option(),
      {.name = "stream", .type = OptionType::string, .doc = "JetStream stream", .required = true},
      {.name = "subject",
       .type = OptionType::string,
       .doc = "subject filter of the consumer (and of the stream when created)"},
      {.name = "consumer",
       .type = OptionType::string,
       .doc = "durable pull consumer shared by every runner (no '.')",
       .required = true},
      {.name = "create",
       .type = OptionType::boolean,
       .doc = "create the stream and the consumer when missing",
       .default_value = OptionValue::of(false)},
      {.name = "retention",
       .type = OptionType::string,
       .doc = "retention of a stream this stage creates",
       .default_value = OptionValue::of("workqueue"),
       .choices = {"workqueue", "limits"}},
      {.name = "ack_wait",
       .type = OptionType::duration,
       .doc = "the server redelivers a message not acked this long after delivery (consumer)",
       .default_value = OptionValue::duration(30 * kNanosPerSecond),
       .min = 0.001},
      {.name = "max_ack_pending",
       .type = OptionType::integer,
       .doc = "unacked messages over all runners (consumer); >= runners * max_inflight",
       .default_value = OptionValue::of(4096),
       .min = 1,
       .max = 1'000'000},
      {.name = "max_inflight",
       .type = OptionType::integer,
       .doc = "messages this runner holds at once: fetched and not yet settled",
       .default_value = OptionValue::of(512),
       .min = 1,
       .max = 1'000'000},
      {.name = "fetch_batch",
       .type = OptionType::integer,
       .doc = "most messages per pull request",
       .default_value = OptionValue::of(256),
       .min = 1,
       .max = 10000},
      {.name = "fetch_wait",
       .type = OptionType::duration,
       .doc = "how long a pull request waits for messages (also bounds how long a stop waits)",
       .default_value = OptionValue::duration(from_millis(500)),
       .min = 0.001},
      {.name = "max_deliver",
       .type = OptionType::integer,
       .doc = "deliveries of a failing message before it is terminated; 0 = unlimited",
       .default_value = OptionValue::of(5),
       .min = 0,
       .max = 1'000'000},
      {.name = "nak_delay",
       .type = OptionType::duration,
       .doc = "redelivery delay after a message's first failure",
       .default_value = OptionValue::duration(kNanosPerSecond),
       .min = 0},
      {.name = "nak_max_delay",
       .type = OptionType::duration,
       .doc = "the longest redelivery delay",
       .default_value = OptionValue::duration(60 * kNanosPerSecond),
       .min = 0},
      {.name = "nak_multiplier",
       .type = OptionType::floating,
       .doc = "growth of the redelivery delay per failed delivery",
       .default_value = OptionValue::of(2.0),
       .min = 1,
       .max = 1000},
      {.name = "dead_letter_subject",
       .type = OptionType::string,
       .doc = "publish a message given up on (max_deliver reached, or a permanent error) here, "
              "with Sluice-Error / Sluice-Delivered / Sluice-Stream-Seq headers, and terminate "
              "it only once that publish is acked; a stream must take this subject"},
      {.name = "stop_when_idle",
       .type = OptionType::duration,
       .doc = "end the source after this long without a message; 0 = never",
       .default_value = OptionValue::duration(0),
       .min = 0},
      nats::connect_timeout_option(),
  };
  t.make = [](const Options& o) { return std::make_unique<NatsSource>(o); };
  t.check = nats::check_url;
  return t;
}

}  // namespace sluice::builtins
