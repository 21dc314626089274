// The http_server source's hand-over between the server's threads and the
// pipeline: a bounded queue of requests, each waiting until the pipeline has
// taken its messages (and, with end-to-end acks, until they were written).
//
//   auto r = std::make_shared<webhook::Request>(std::move(messages));
//   if (intake.offer(r, deadline) == Intake::Offer::queued) {
//     wake();                             // the source's produce() takes them
//     r->wait_taken(deadline);            // then answer 200, or 503 when withdrawn
//   }
//
// A request is answered 200 only once its messages are in the pipeline (in
// the source's output), never while they merely wait here: a stopping
// pipeline no longer runs the source, so what still waits here at the stop is
// withdrawn and answered 503, and nothing answered 200 is left behind.
//
// Thread-safety: offer, withdraw, wait_* on the server's threads; take on the
// source's; stop on either; settle on whichever thread releases a message's
// last reference. Lock order: the intake's mutex, then a request's.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/ack.hpp"
#include "sluice/message.hpp"

namespace sluice::builtins::webhook {

using SteadyTime = std::chrono::steady_clock::time_point;

/// One HTTP request's messages, until the pipeline takes them, and how the
/// pipeline finished with them (when they carry acks).
class Request final : public AckReceiver {
 public:
  enum class State : std::uint8_t {
    queued,     ///< some of its messages still wait in the intake
    taken,      ///< all of them are in the pipeline
    withdrawn,  ///< given up (max_wait, stop) before all were taken
  };
  /// How its messages ended (end-to-end acks).
  struct Settled {
    AckOutcome outcome{AckOutcome::ok};
    std::string error;  ///< the first error noted, if any
  };

  explicit Request(std::vector<Message> messages);

  /// Gives every message an ack handle reporting to `self` (this request).
  void attach_acks(const std::shared_ptr<Request>& self);

  /// Drops the messages of a request the intake refused: their handles
  /// refer to this request, which they would otherwise keep alive.
  void discard();

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  /// Waits until the request is no longer queued, or until `deadline`.
  State wait_taken(std::optional<SteadyTime> deadline);
  /// Messages taken by the pipeline (all of them once taken).
  [[nodiscard]] std::size_t taken() const;
  /// With acks: waits until every message has settled; nullopt at `deadline`.
  std::optional<Settled> wait_settled(SteadyTime deadline);

  void settle(std::uint64_t token, AckOutcome outcome, std::string_view error) noexcept override;

 private:
  friend class Intake;
  void set_state(State s, std::size_t taken);

  const std::size_t count_;
  // The intake's mutex guards these two.
  std::vector<Message> messages_;
  std::size_t next_{0};  ///< the first message not yet taken

  mutable std::mutex mu_;
  std::condition_variable cv_;
  State state_{State::queued};
  std::size_t taken_{0};
  std::size_t settled_{0};
  Settled result_;
};

/// The bounded queue between the server's threads and the source.
class Intake {
 public:
  enum class Offer : std::uint8_t {
    queued,   ///< in the queue: wait for the take
    full,     ///< no room before the deadline: 503
    too_big,  ///< more messages than the queue holds: it can never fit (413)
    stopped,  ///< the source is stopping: 503
  };

  explicit Intake(std::size_t capacity) : capacity_(capacity) {}
  Intake(const Intake&) = delete;
  Intake& operator=(const Intake&) = delete;

  /// Queues all of `r`'s messages, waiting for room until `deadline`; all or
  /// nothing.
  Offer offer(const std::shared_ptr<Request>& r, SteadyTime deadline);
  /// Withdraws `r` when none of its messages was taken yet (its deadline
  /// passed): true when withdrawn, false when it is already (partly) taken.
  bool withdraw(const std::shared_ptr<Request>& r);
  /// Moves up to `budget` messages, oldest first, to `emit`; a request whose
  /// last message goes is marked taken. Returns how many went.
  std::size_t take(std::size_t budget, const std::function<void(Message&&)>& emit);
  /// Refuses further offers and withdraws what is queued (their acks are
  /// marked abandoned). Returns the messages withdrawn.
  std::size_t stop();

  [[nodiscard]] std::size_t queued() const;
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  /// Under mu_: drops `r`'s untaken messages and marks it withdrawn.
  void drop_locked(Request& r, std::vector<Message>& graveyard);

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable room_;
  std::deque<std::shared_ptr<Request>> queue_;
  std::size_t queued_{0};  ///< messages in queue_ not yet taken
  bool stopped_{false};
};

}  // namespace sluice::builtins::webhook
