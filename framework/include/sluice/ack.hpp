// End-to-end acknowledgement: a source attaches an AckRef to a message, and
// learns once, through its AckReceiver, how the pipeline finished with it.
//
//   struct Tracker final : sluice::AckReceiver {
//     void settle(std::uint64_t token, sluice::AckOutcome o, std::string_view error) noexcept
//         override { ... }
//   };
//   auto tracker = std::make_shared<Tracker>();
//   m.ack = sluice::AckRef::make(tracker, /*token=*/42);
//
// The model is a reference count: every copy of a message (broadcast, split)
// holds a reference, and the message is finished when the last reference
// goes — written by a sink, filtered, dead-lettered or dropped. Releasing a
// reference means success unless someone marked the handle as failed first:
// the runtime marks messages it loses (overflow drops, errors with
// `on_error = "drop"`, messages abandoned by a cancel); the worst mark wins.
//
// For sink authors: a sink finishes a message when it lets go of it, so a
// sink that writes later than consume() (an async publish) moves `m.ack` out
// and keeps it until the write is done, calling fail() first if it was not.
// A stage that merges messages (batch) joins their handles with AckRef::join.
//
// Costs nothing when unused: a null pointer in Message, copied and destroyed
// with one branch. Thread-safety: references may be copied and released on
// any thread; settle() runs on the thread that released the last one.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace sluice {
inline namespace v1 {

/// How a message ended; ordered from best to worst (the worst mark wins).
enum class AckOutcome : std::uint8_t {
  ok = 0,         ///< finished: written, filtered, dead-lettered
  abandoned = 1,  ///< not finished: the run stopped or was cancelled while it was in flight
  failed = 2,     ///< lost after a transient error or an overflow drop: try again later
  rejected = 3,   ///< lost after a permanent error: never try again
};

std::string_view to_string(AckOutcome outcome) noexcept;

/// What a source implements to be told how its messages ended.
class AckReceiver {
 public:
  virtual ~AckReceiver();
  /// Called exactly once per handle made with this receiver, on the thread
  /// that released its last reference; must not throw and should not block.
  /// `error` is the first stage error noted with the failure ("stage: what"),
  /// empty when there is none; it is valid during the call only.
  virtual void settle(std::uint64_t token, AckOutcome outcome, std::string_view error) noexcept = 0;
};

/// The shared state behind an AckRef (internal: sources use AckRef::make).
/// release() is virtual and implemented in the host (ack.cpp), so that code
/// which only passes messages on needs no symbol of it, and the runtime's
/// abandon scope is the one plugins see too.
class AckState {
 public:
  AckState(const AckState&) = delete;
  AckState& operator=(const AckState&) = delete;

  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  /// Drops one reference; the last one settles the outcome and frees the state.
  virtual void release() noexcept = 0;
  void mark(AckOutcome outcome) noexcept {
    auto want = static_cast<std::uint8_t>(outcome);
    std::uint8_t have = outcome_.load(std::memory_order_relaxed);
    while (have < want && !outcome_.compare_exchange_weak(have, want, std::memory_order_relaxed)) {
    }
  }
  /// Marks `outcome` and keeps `error` (the first one noted) for the receiver.
  void mark(AckOutcome outcome, std::string_view error) noexcept {
    mark(outcome);
    note_error(error);
  }
  [[nodiscard]] std::string_view error() const noexcept {
    const std::string* e = error_.load(std::memory_order_acquire);
    return e != nullptr ? std::string_view(*e) : std::string_view();
  }
  [[nodiscard]] AckOutcome outcome() const noexcept {
    return static_cast<AckOutcome>(outcome_.load(std::memory_order_acquire));
  }
  [[nodiscard]] std::uint32_t refs() const noexcept {
    return refs_.load(std::memory_order_acquire);
  }

 protected:
  AckState() = default;
  virtual ~AckState() { delete error_.load(std::memory_order_acquire); }
  /// Drops one reference; true when it was the last.
  bool drop_ref() noexcept { return refs_.fetch_sub(1, std::memory_order_acq_rel) == 1; }

 private:
  void note_error(std::string_view error) noexcept {
    if (error.empty() || error_.load(std::memory_order_acquire) != nullptr) return;
    std::string* mine = nullptr;
    try {
      mine = new std::string(error);
    } catch (...) {
      return;  // out of memory: the outcome still goes through, without its text
    }
    const std::string* none = nullptr;
    if (!error_.compare_exchange_strong(none, mine, std::memory_order_acq_rel)) delete mine;
  }

  std::atomic<std::uint32_t> refs_{1};
  std::atomic<std::uint8_t> outcome_{0};
  std::atomic<const std::string*> error_{nullptr};  ///< set once, on failures only
};

/// For the runtime: while one is alive on a thread, every reference released
/// on that thread marks its handle `abandoned`. It wraps what a cancelled run
/// discards (in-flight batches, a stage's held messages, queues).
class AckAbandonScope {
 public:
  AckAbandonScope() noexcept;
  ~AckAbandonScope();
  AckAbandonScope(const AckAbandonScope&) = delete;
  AckAbandonScope& operator=(const AckAbandonScope&) = delete;
};

/// A counted reference to a message's acknowledgement; null when the source
/// asked for none.
class AckRef {
 public:
  AckRef() noexcept = default;
  /// A new handle whose outcome goes to receiver->settle(token, ...). The
  /// receiver is kept alive until then.
  [[nodiscard]] static AckRef make(std::shared_ptr<AckReceiver> receiver, std::uint64_t token);
  /// One handle for a message made of two (batch): when it ends, both get its
  /// outcome (and keep any worse mark of their own). Either may be null.
  [[nodiscard]] static AckRef join(AckRef a, AckRef b);

  AckRef(const AckRef& o) noexcept : s_(o.s_) {
    if (s_) s_->retain();
  }
  AckRef(AckRef&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  AckRef& operator=(const AckRef& o) noexcept {
    if (o.s_) o.s_->retain();
    if (s_) s_->release();
    s_ = o.s_;
    return *this;
  }
  AckRef& operator=(AckRef&& o) noexcept {
    if (this != &o) {
      if (s_) s_->release();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  ~AckRef() {
    if (s_) s_->release();
  }

  [[nodiscard]] explicit operator bool() const noexcept { return s_ != nullptr; }
  /// Marks the message as not finished well (the worst mark wins); the
  /// outcome is reported when the last reference goes.
  void fail(AckOutcome outcome = AckOutcome::failed) const noexcept {
    if (s_) s_->mark(outcome);
  }
  /// The same, saying why ("stage: what"): the source sees it in settle().
  void fail(AckOutcome outcome, std::string_view error) const noexcept {
    if (s_) s_->mark(outcome, error);
  }
  /// Lets go of this reference now (success unless marked).
  void reset() noexcept {
    if (s_) std::exchange(s_, nullptr)->release();
  }
  /// The outcome marked so far (ok when null).
  [[nodiscard]] AckOutcome marked() const noexcept { return s_ ? s_->outcome() : AckOutcome::ok; }
  /// Copies of one message share a handle.
  bool operator==(const AckRef& o) const noexcept { return s_ == o.s_; }

 private:
  explicit AckRef(AckState* s) noexcept : s_(s) {}
  AckState* s_{nullptr};
};

}  // namespace v1
}  // namespace sluice
