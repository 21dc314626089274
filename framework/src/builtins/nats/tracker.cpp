#include "builtins/nats/tracker.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <utility>
#include <vector>

namespace sluice::builtins::nats {

Tracker::Tracker(std::shared_ptr<Connection> conn, const SourceConfig& cfg, Context& ctx)
    : conn_(std::move(conn)),
      ack_wait_(cfg.ack_wait),
      max_deliver_(cfg.max_deliver),
      nak_(cfg.nak),
      jitter_(static_cast<std::uint64_t>(::getpid()) * 0x9e3779b97f4a7c15ULL),
      stream_(cfg.stream),
      consumer_(cfg.consumer),
      dead_letter_(cfg.dead_letter),
      ctx_(&ctx) {
  if (!dead_letter_.empty()) {
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = 1 << 16;  // bounded by max_inflight anyway
    jo.PublishAsync.AckHandler = &Tracker::on_dead_letter_ack;
    jo.PublishAsync.AckHandlerClosure = this;
    if (const natsStatus s = natsConnection_JetStream(&dead_js_, conn_->nc(), &jo); s != NATS_OK) {
      throw std::runtime_error("nats: no JetStream context for dead letters: " + error_text(s));
    }
  }
  leases_ = std::thread([this] { lease_loop(); });
}

Tracker::~Tracker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  leases_.join();
  if (dead_js_ != nullptr) {
    // Dead letters still waiting for their publish ack: their messages were
    // neither acked nor termed, so the server redelivers them after ack_wait.
    jsPubOptions wait;
    jsPubOptions_Init(&wait);
    wait.MaxWait = 5000;
    js_PublishAsyncComplete(dead_js_, &wait);
    natsMsgList pending{};
    if (js_PublishAsyncGetPendingList(&pending, dead_js_) == NATS_OK) {
      natsMsgList_Destroy(&pending);
    }
    jsCtx_Destroy(dead_js_);
  }
}

std::uint64_t Tracker::add(std::string reply, std::uint64_t delivered, std::uint64_t stream_seq,
                           Nanos now, std::string subject, std::string payload,
                           std::uint64_t trace_id) {
  std::lock_guard lock(mu_);
  const std::uint64_t token = ++next_;
  held_.emplace(token, Entry{std::move(reply), delivered, now, stream_seq, std::move(subject),
                             std::move(payload), trace_id});
  inflight_.store(held_.size(), std::memory_order_release);
  return token;
}

void Tracker::settle(std::uint64_t token, AckOutcome outcome, std::string_view error) noexcept {
  Entry e;
  {
    std::lock_guard lock(mu_);
    const auto it = held_.find(token);
    if (it == held_.end()) return;  // nak'ed at shutdown already
    e = std::move(it->second);
    held_.erase(it);
    inflight_.store(held_.size(), std::memory_order_release);
  }
  const char* counter = "acked";
  std::string body = "+ACK";
  switch (outcome) {
    case AckOutcome::ok:
      break;
    case AckOutcome::abandoned:
      body = "-NAK";
      counter = "nak_abandoned";
      break;
    case AckOutcome::failed:
      if (max_deliver_ > 0 && e.delivered >= static_cast<std::uint64_t>(max_deliver_)) {
        if (dead_js_ != nullptr) return dead_letter(std::move(e), outcome, error);
        body = "+TERM";
        counter = "termed";
      } else {
        body = fmt::format("-NAK {{\"delay\":{}}}", nak_delay(e.delivered));
        counter = "nak_failed";
      }
      break;
    case AckOutcome::rejected:
      if (dead_js_ != nullptr) return dead_letter(std::move(e), outcome, error);
      body = "+TERM";
      counter = "termed";
      break;
  }
  send(e.reply, body.c_str());
  count(counter);
}

void Tracker::nak_all() {
  std::unordered_map<std::uint64_t, Entry> rest;
  {
    std::lock_guard lock(mu_);
    rest.swap(held_);
    inflight_.store(0, std::memory_order_release);
  }
  for (const auto& [token, e] : rest) send(e.reply, "-NAK");
  if (!rest.empty()) count("nak_abandoned", rest.size());
  natsConnection_FlushTimeout(conn_->nc(), 2000);
}

void Tracker::detach_context() {
  std::lock_guard lock(ctx_mu_);
  ctx_ = nullptr;
}

/// Publishes a message given up on to the dead-letter subject, with headers
/// saying why; it is termed when the publish ack arrives (on_dead_letter_ack),
/// and nak'ed with a delay if the publish fails, so it is dead-lettered again
/// later rather than lost. Nats-Msg-Id makes a repeat (after a redelivery) a
/// duplicate the dead-letter stream drops.
void Tracker::dead_letter(Entry e, AckOutcome outcome, std::string_view error) noexcept {
  natsMsg* nm = nullptr;
  natsStatus s = natsMsg_Create(&nm, dead_letter_.c_str(), nullptr, e.payload.data(),
                                static_cast<int>(e.payload.size()));
  try {
    const std::string delivered = std::to_string(e.delivered);
    const std::string seq = std::to_string(e.stream_seq);
    // The stage's own error when the pipeline noted one ("stage: what").
    const std::string why = error.empty() ? std::string("a stage failed") : std::string(error);
    const std::string reason =
        outcome == AckOutcome::rejected
            ? fmt::format("rejected (a permanent error): {}", why)
            : fmt::format("failed after {} deliveries (max_deliver): {}", e.delivered, why);
    if (s == NATS_OK) s = natsMsgHeader_Set(nm, "Sluice-Error", reason.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(nm, "Sluice-Outcome", to_string(outcome).data());
    if (s == NATS_OK) s = natsMsgHeader_Set(nm, "Sluice-Delivered", delivered.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(nm, "Sluice-Stream", stream_.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(nm, "Sluice-Stream-Seq", seq.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(nm, "Sluice-Consumer", consumer_.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(nm, "Sluice-Subject", e.subject.c_str());
    if (s == NATS_OK && e.trace_id != 0) {
      s = natsMsgHeader_Set(nm, "Sluice-Trace-Id", std::to_string(e.trace_id).c_str());
    }
    const std::string id = fmt::format("{}-{}-dead", stream_, e.stream_seq);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    // Without a limit, a publish ack that never comes would hold the message forever.
    po.MaxWait = 5000;
    po.MsgId = id.c_str();
    if (s == NATS_OK) {
      std::lock_guard lock(dead_mu_);
      dead_.emplace(nm, Dead{e.reply, e.delivered});
    }
    if (s == NATS_OK) {
      natsMsg* arg = nm;
      s = js_PublishMsgAsync(dead_js_, &arg, &po);
      if (s == NATS_OK) return;  // the library owns nm; on_dead_letter_ack finishes
      std::lock_guard lock(dead_mu_);
      dead_.erase(nm);
    }
  } catch (...) {  // out of memory: treat as a failed publish
    s = NATS_NO_MEMORY;
  }
  natsMsg_Destroy(nm);
  dead_letter_failed(e.reply, e.delivered);
}

void Tracker::dead_letter_failed(const std::string& reply, std::uint64_t delivered) noexcept {
  try {
    send(reply, fmt::format("-NAK {{\"delay\":{}}}", nak_delay(delivered)).c_str());
  } catch (...) {
    send(reply, "-NAK");
  }
  count("dead_letter_errors");
}

void Tracker::on_dead_letter_ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr*, void* closure) {
  auto* self = static_cast<Tracker*>(closure);
  Dead d;
  {
    std::lock_guard lock(self->dead_mu_);
    const auto it = self->dead_.find(msg);
    if (it != self->dead_.end()) {
      d = std::move(it->second);
      self->dead_.erase(it);
    }
  }
  natsMsg_Destroy(msg);
  if (d.reply.empty()) return;
  if (pa == nullptr) return self->dead_letter_failed(d.reply, d.delivered);
  self->send(d.reply, "+TERM");  // only now: the dead letter is stored
  self->count("dead_lettered");
}

void Tracker::send(const std::string& reply, const char* body) noexcept {
  const natsStatus s = natsConnection_PublishString(conn_->nc(), reply.c_str(), body);
  if (s != NATS_OK) count("ack_errors");
}

void Tracker::count(const char* name, std::uint64_t n) noexcept {
  std::lock_guard lock(ctx_mu_);
  if (ctx_ == nullptr) return;
  try {
    ctx_->add_counter(name, n);
  } catch (...) {  // a counter is not worth a crash
  }
}

std::int64_t Tracker::nak_delay(std::uint64_t delivered) {
  std::lock_guard lock(rng_mu_);
  const double u = jitter_.uniform();
  return backoff_delay(nak_, static_cast<std::int64_t>(std::max<std::uint64_t>(1, delivered)), u,
                       0);
}

/// +WPI for messages held longer than ack_wait / 3, so that the server does
/// not redeliver what this runner is still working on.
void Tracker::lease_loop() {
  const Nanos renew_after = std::max<Nanos>(ack_wait_ / 3, from_millis(10));
  const auto period = std::chrono::nanoseconds(std::max<Nanos>(ack_wait_ / 6, from_millis(5)));
  std::vector<std::string> due;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, period);
    if (stopping_) break;
    const Nanos now = SteadyClock::instance().now();
    due.clear();
    for (auto& [token, e] : held_) {
      if (now - e.touched >= renew_after) {
        e.touched = now;
        due.push_back(e.reply);
      }
    }
    if (due.empty()) continue;
    lock.unlock();
    for (const auto& reply : due) send(reply, "+WPI");
    count("leases_renewed", due.size());
    lock.lock();
  }
}

}  // namespace sluice::builtins::nats
