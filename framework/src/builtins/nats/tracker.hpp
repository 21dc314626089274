// The messages a nats source holds, each until the pipeline has finished
// with it, and how each one is settled with the server.
//
//   auto tracker = std::make_shared<nats::Tracker>(ack_conn, cfg, ctx);
//   m.ack = AckRef::make(tracker, tracker->add(reply, delivered, stream_seq, now));
//
// When a message's handle settles (ack.hpp): ok -> +ACK; abandoned -> -NAK
// (redelivered at once, to any runner); failed -> -NAK with a growing delay
// computed here (the server's BackOff applies to ack_wait expiry, not to a
// NAK), or +TERM once it was delivered max_deliver times (a work-queue
// message that reaches the server's own MaxDeliver would stay in the stream
// forever); rejected -> +TERM. With a dead-letter subject, a message given up
// on is published there first and termed only once that publish is acked.
//
// Leases: a small thread sends +WPI for messages held longer than a third of
// ack_wait, for as long as any is held (also while a stopping pipeline
// drains, when the source is no longer scheduled), so that a slow pipeline
// does not get its messages redelivered to another runner.
//
// Thread-safety: add() on the source's thread, settle() on whichever thread
// releases a message's last reference, the lease thread on its own; all of
// them under one mutex. Shared by every handle, so the tracker and its
// connection live until the last message is settled, wherever that happens.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "builtins/nats/connection.hpp"
#include "builtins/nats/source_config.hpp"
#include "sluice/ack.hpp"
#include "sluice/stage.hpp"
#include "splitmix.hpp"

namespace sluice::builtins::nats {

class Tracker final : public AckReceiver {
 public:
  /// Starts the lease thread; throws when a dead-letter subject is set and
  /// no JetStream context can be made for it.
  Tracker(std::shared_ptr<Connection> conn, const SourceConfig& cfg, Context& ctx);
  ~Tracker() override;
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

  /// Whether add() wants each message's subject and payload (dead letters).
  [[nodiscard]] bool keeps_payloads() const noexcept { return dead_js_ != nullptr; }

  /// Holds a fetched message until it settles; returns its token. `subject`,
  /// `payload` and `trace_id` are kept only when dead letters are published.
  std::uint64_t add(std::string reply, std::uint64_t delivered, std::uint64_t stream_seq, Nanos now,
                    std::string subject = {}, std::string payload = {}, std::uint64_t trace_id = 0);
  /// Messages held now: the source's credit is max_inflight minus this.
  [[nodiscard]] std::size_t inflight() const noexcept {
    return inflight_.load(std::memory_order_acquire);
  }

  void settle(std::uint64_t token, AckOutcome outcome, std::string_view error) noexcept override;

  /// Naks everything still held (the source is going away) and flushes.
  void nak_all();

  /// The source's Context may be gone before the last handle settles.
  void detach_context();

 private:
  struct Entry {
    std::string reply;
    std::uint64_t delivered{0};
    Nanos touched{0};  ///< fetched, or last +WPI
    std::uint64_t stream_seq{0};
    std::string subject, payload;  ///< only with dead letters
    std::uint64_t trace_id{0};     ///< only with dead letters
  };
  struct Dead {
    std::string reply;
    std::uint64_t delivered{0};
  };

  void dead_letter(Entry e, AckOutcome outcome, std::string_view error) noexcept;
  void dead_letter_failed(const std::string& reply, std::uint64_t delivered) noexcept;
  static void on_dead_letter_ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr*, void* closure);
  void send(const std::string& reply, const char* body) noexcept;
  void count(const char* name, std::uint64_t n = 1) noexcept;
  std::int64_t nak_delay(std::uint64_t delivered);
  void lease_loop();

  std::shared_ptr<Connection> conn_;
  const Nanos ack_wait_;
  const std::int64_t max_deliver_;
  const RetryPolicy nak_;
  std::mutex rng_mu_;
  SplitMix64 jitter_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::uint64_t, Entry> held_;
  std::uint64_t next_{0};
  std::atomic<std::size_t> inflight_{0};
  bool stopping_{false};
  std::thread leases_;

  const std::string stream_, consumer_, dead_letter_;
  jsCtx* dead_js_{nullptr};  ///< async publishes of dead letters, on conn_
  std::mutex dead_mu_;
  std::unordered_map<natsMsg*, Dead> dead_;  ///< published, awaiting their ack

  std::mutex ctx_mu_;
  Context* ctx_;
};

}  // namespace sluice::builtins::nats
