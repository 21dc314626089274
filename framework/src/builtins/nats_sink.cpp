// nats (sink): publishes each message to JetStream asynchronously, with at
// most max_in_flight publishes waiting for their ack (backpressure), a
// per-message timeout, retries, and an optional Nats-Msg-Id for the stream's
// de-duplication. A message is finished (ack.hpp) when its publish ack
// arrives; one whose publish failed for good fails its handle, so an acking
// source (nats) redelivers it, or — with no handle to tell — fails the run,
// so nothing is lost silently.
//
// Blocking: consume() waits for a free publish slot, so the stage runs on the
// I/O pool. The ack callbacks run on a nats.c thread and never block.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>

#include "builtins/builtins.hpp"
#include "builtins/nats/connection.hpp"
#include "builtins/nats/url_check.hpp"
#include "builtins/template_option.hpp"

namespace sluice::builtins {
namespace {

using nats::error_text;

/// How often consume() and close() look up from a wait (cancel, errors).
constexpr auto kPoll = std::chrono::milliseconds(50);

class NatsSink final : public Sink {
 public:
  explicit NatsSink(const Options& o)
      : subject_(compile_template(o, "subject")),
        msg_id_(o.has("msg_id") ? std::optional(compile_template(o, "msg_id")) : std::nullopt),
        stream_(o.has("stream") ? o.get_string("stream") : std::string()),
        create_(o.get_bool("create")),
        max_in_flight_(static_cast<std::size_t>(o.get_int("max_in_flight"))),
        timeout_ms_(o.get_duration("publish_timeout") / 1'000'000),
        attempts_(o.get_int("max_attempts")) {
    connect_.url = o.get_string("url");
    connect_.connect_timeout = o.get_duration("connect_timeout");
    if (create_ && (stream_.empty() || !subject_.is_constant())) {
      throw std::invalid_argument(
          "nats sink: create = true needs 'stream' and a constant 'subject'");
    }
  }
  ~NatsSink() override {
    conn_.reset();  // no ack callback after this
    // close() has waited; whatever is still pending is not published for sure.
    std::lock_guard lock(mu_);
    for (auto& [msg, p] : pending_) p.ack.fail(AckOutcome::failed);
    pending_.clear();
    for (auto& r : retries_) {
      r.p.ack.fail(AckOutcome::failed);
      natsMsg_Destroy(r.msg);
    }
    retries_.clear();
  }

  void open(Context& ctx) override {
    connect_.name = fmt::format("sluice {} {} pid {}", ctx.stage_name(), ctx.instance(),
                                static_cast<long>(::getpid()));
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = static_cast<int64_t>(max_in_flight_) + 1;
    jo.PublishAsync.AckHandler = &NatsSink::on_ack;
    jo.PublishAsync.AckHandlerClosure = this;
    conn_ = nats::connect(connect_, ctx, &jo);
    if (create_) {
      nats::ensure_stream(conn_->js(), stream_, subject_.source(), "workqueue", ctx);
    }
  }

  void consume(std::span<Message> batch, Context& ctx) override {
    for (Message& m : batch) {
      retry_due(ctx);
      const std::string subject = subject_.render(m);
      const std::string id = msg_id_ ? msg_id_->render(m) : std::string();
      natsMsg* nm = nullptr;
      if (natsMsg_Create(&nm, subject.c_str(), nullptr, m.payload.data(),
                         static_cast<int>(m.payload.size())) != NATS_OK) {
        throw std::runtime_error("nats: cannot create a message for subject '" + subject + "'");
      }
      // A sluice reading the subject (the nats source) keeps the message's trace id.
      if (m.trace_id != 0) {
        natsMsgHeader_Set(nm, "Sluice-Trace-Id", std::to_string(m.trace_id).c_str());
      }
      wait_for_slot(ctx);
      publish(nm, Pending{std::move(m.ack), id, 1}, ctx);
    }
    retry_due(ctx);
  }

  void close(Context& ctx) override {
    // Wait for every publish ack (each has its own timeout), serving retries.
    for (;;) {
      retry_due(ctx);
      std::unique_lock lock(mu_);
      if (pending_.empty() && retries_.empty()) break;
      if (ctx.cancelled()) break;
      cv_.wait_for(lock, kPoll);
    }
    ctx.add_counter("published", published_.exchange(0));
    std::lock_guard lock(mu_);
    if (!fatal_.empty()) throw std::runtime_error(fatal_);
  }

 private:
  struct Pending {
    AckRef ack;
    std::string id;
    std::int64_t attempt{1};
  };

  void wait_for_slot(Context& ctx) {
    std::unique_lock lock(mu_);
    while (pending_.size() + retries_.size() >= max_in_flight_) {
      if (!fatal_.empty()) throw std::runtime_error(fatal_);
      if (ctx.cancelled()) throw std::runtime_error("nats: cancelled while publishing");
      lock.unlock();
      retry_due(ctx);
      lock.lock();
      cv_.wait_for(lock, kPoll);
    }
    if (!fatal_.empty()) throw std::runtime_error(fatal_);
  }

  /// Publishes `nm` (taking it); `p` is registered first, as the ack may come at once.
  void publish(natsMsg* nm, Pending p, Context& ctx) {
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = timeout_ms_;
    if (!p.id.empty()) po.MsgId = p.id.c_str();
    const std::string id = p.id;
    {
      std::lock_guard lock(mu_);
      pending_.emplace(nm, std::move(p));
    }
    natsMsg* arg = nm;
    const natsStatus s = js_PublishMsgAsync(conn_->js(), &arg, &po);
    if (s == NATS_OK) return;  // arg is now null: the library owns nm
    Pending back;
    {
      std::lock_guard lock(mu_);
      auto it = pending_.find(nm);
      back = std::move(it->second);
      pending_.erase(it);
    }
    ctx.log(LogLevel::warn, fmt::format("publish to {} failed: {}", connect_.url, error_text(s)));
    failed(nm, std::move(back), error_text(s));
  }

  /// A publish failed: retried later with the same message (and Nats-Msg-Id), or given up.
  void failed(natsMsg* nm, Pending p, const std::string& why) {
    std::lock_guard lock(mu_);
    if (p.attempt < attempts_) {
      ++p.attempt;
      const Nanos wait = from_millis(100) << std::min<std::int64_t>(p.attempt - 2, 5);
      retries_.push_back(Retry{nm, std::move(p), SteadyClock::instance().now() + wait});
      return;
    }
    natsMsg_Destroy(nm);
    ++gave_up_;
    if (p.ack) {
      p.ack.fail(AckOutcome::failed);  // its source redelivers it later
    } else if (fatal_.empty()) {
      fatal_ = fmt::format("nats: publishing to {} failed after {} attempts: {}", connect_.url,
                           attempts_, why);
    }
    cv_.notify_all();
  }

  void retry_due(Context& ctx) {
    for (;;) {
      Retry r;
      {
        std::lock_guard lock(mu_);
        if (retries_.empty() || retries_.front().due > SteadyClock::instance().now()) return;
        r = std::move(retries_.front());
        retries_.pop_front();
      }
      ctx.add_counter("publish_retries");
      publish(r.msg, std::move(r.p), ctx);
    }
  }

  static void on_ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
    auto* self = static_cast<NatsSink*>(closure);
    Pending p;
    {
      std::lock_guard lock(self->mu_);
      auto it = self->pending_.find(msg);
      if (it == self->pending_.end()) {  // not ours (cannot happen) or given up
        natsMsg_Destroy(msg);
        return;
      }
      p = std::move(it->second);
      self->pending_.erase(it);
    }
    if (pa != nullptr) {
      natsMsg_Destroy(msg);
      self->published_.fetch_add(1, std::memory_order_relaxed);
      p.ack.reset();  // written: the source may ack
      std::lock_guard lock(self->mu_);
      self->cv_.notify_all();
      return;
    }
    const std::string why = pae != nullptr ? error_text(pae->Err, pae->ErrCode) : "unknown error";
    self->failed(msg, std::move(p), why);  // keeps msg to publish again
  }

  struct Retry {
    natsMsg* msg{nullptr};
    Pending p;
    Nanos due{0};
  };

  nats::ConnectSettings connect_;
  const expr::Template subject_;
  const std::optional<expr::Template> msg_id_;
  const std::string stream_;
  const bool create_;
  const std::size_t max_in_flight_;
  const std::int64_t timeout_ms_;
  const std::int64_t attempts_;
  std::shared_ptr<nats::Connection> conn_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<natsMsg*, Pending> pending_;
  std::deque<Retry> retries_;
  std::string fatal_;
  std::uint64_t gave_up_{0};
  std::atomic<std::uint64_t> published_{0};
};

}  // namespace

StageType nats_sink_type() {
  StageType t;
  t.name = "nats";
  t.doc =
      "publishes to NATS JetStream; a message is done when its publish ack arrives (at most "
      "max_in_flight wait at once); the trace id goes in a Sluice-Trace-Id header";
  t.blocking = true;  // waits for publish slots: on the I/O pool
  t.schema.options = {
      nats::url_option(),
      {.name = "subject",
       .type = OptionType::template_,
       .doc = "subject to publish on (a template)",
       .required = true},
      {.name = "msg_id",
       .type = OptionType::template_,
       .doc = "Nats-Msg-Id (a template): the stream drops a repeat within its duplicate window"},
      {.name = "stream",
       .type = OptionType::string,
       .doc = "stream to create on `subject` when create = true"},
      {.name = "create",
       .type = OptionType::boolean,
       .doc = "create `stream` (work-queue retention) when missing",
       .default_value = OptionValue::of(false)},
      {.name = "max_in_flight",
       .type = OptionType::integer,
       .doc = "publishes waiting for their ack at once; more waits (backpressure)",
       .default_value = OptionValue::of(1024),
       .min = 1,
       .max = 1'000'000},
      {.name = "publish_timeout",
       .type = OptionType::duration,
       .doc = "how long one publish waits for its ack before it is retried",
       .default_value = OptionValue::duration(5 * kNanosPerSecond),
       .min = 0.001},
      {.name = "max_attempts",
       .type = OptionType::integer,
       .doc = "publish attempts per message (same Nats-Msg-Id) before it fails",
       .default_value = OptionValue::of(5),
       .min = 1,
       .max = 1'000'000},
      nats::connect_timeout_option(),
  };
  t.make = [](const Options& o) { return std::make_unique<NatsSink>(o); };
  t.check = nats::check_url;
  return t;
}

}  // namespace sluice::builtins
