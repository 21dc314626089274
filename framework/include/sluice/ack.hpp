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

}  // namespace v1

// Outside v1, like the runtime's own sluice::detail (one namespace of that name).
namespace detail {
/// What the copies of one AckRef share. The framework implements it
/// (ack.cpp): the reference count, the worst outcome marked and the first
/// error noted are not part of the SDK. Its calls are virtual so that code
/// which only passes messages on (a plugin, the expression library) needs no
/// symbol of the framework, and releases run the framework's own code.
class AckShared {
 public:
  AckShared(const AckShared&) = delete;
  AckShared& operator=(const AckShared&) = delete;

  virtual void retain() noexcept = 0;
  /// Drops one reference; the last one settles the outcome and frees the state.
  virtual void release() noexcept = 0;
  /// Marks `outcome` (the worst mark wins) and keeps `error` (the first one
  /// noted, if not empty) for the receiver.
  virtual void mark(AckOutcome outcome, std::string_view error) noexcept = 0;
  [[nodiscard]] virtual AckOutcome outcome() const noexcept = 0;

 protected:
  AckShared() = default;
  virtual ~AckShared() = default;
};
}  // namespace detail

inline namespace v1 {

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
    if (s_) s_->mark(outcome, {});
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
  explicit AckRef(detail::AckShared* s) noexcept : s_(s) {}
  detail::AckShared* s_{nullptr};
};

}  // namespace v1
}  // namespace sluice
