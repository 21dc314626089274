// Async stages and sinks: a call to a service is started and the instance
// moves on; the call completes later, from any thread (a libcurl callback, a
// timer, a thread of the stage's own library), and no thread waits on it.
// `max_in_flight` bounds the calls an instance has open at once: it is the
// stage's backpressure. The runtime applies `timeout`, `retry`,
// `circuit_breaker`, `rate_limit`, `semaphore` and `on_error` per call, as
// for a synchronous stage, and `ordered = true` keeps the input order
// although calls complete out of order.
//
//   class Lookup final : public sluice::AsyncStage {
//     void start(sluice::Message&& m, sluice::Call call, sluice::Context&) override {
//       client_.get(m.payload, [m = std::move(m), call = std::move(call)](Reply r) mutable {
//         if (!r.ok) return call.fail(r.error, /*transient=*/true);
//         m.payload = std::move(r.body);
//         call.emit(std::move(m));
//         call.done();
//       });
//     }
//   };
//
// A Call is completed once, by done() or fail(); a Call destroyed without
// either fails its call ("dropped without a result"), so nothing is lost when
// a library forgets a callback. Call's functions may run on any thread; the
// stage object's own functions (open, start, flush, close) run one at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "sluice/clock.hpp"
#include "sluice/message.hpp"
#include "sluice/stage.hpp"

namespace sluice {
// Outside v1, like the runtime's own sluice::detail (one namespace of that name).
namespace detail {
class CallState;  // the runtime's side of a call (opaque to plugins)
}  // namespace detail

inline namespace v1 {

/// One call in flight. Move-only; complete it exactly once, from any thread.
class Call {
 public:
  Call() noexcept = default;
  explicit Call(std::shared_ptr<detail::CallState> state) noexcept : s_(std::move(state)) {}
  Call(Call&&) noexcept = default;
  Call& operator=(Call&& other) noexcept;
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;
  /// Fails the call when it was not completed (see the header comment).
  ~Call();

  /// A message the call produces, to the default port or port number `port`:
  /// held until done() and then emitted in order; discarded if it fails.
  void emit(Message&& m) { emit(0, std::move(m)); }
  void emit(std::size_t port, Message&& m);
  /// The call succeeded.
  void done();
  /// The call failed. A transient failure is tried again under `retry` (after
  /// `retry_after`, when positive, instead of the backoff: an HTTP
  /// Retry-After); a permanent one, or the last attempt, goes to `on_error`.
  void fail(std::string what, bool transient = true, Nanos retry_after = 0);

  /// The result is no longer wanted: the call timed out or the run is being
  /// cancelled. What it emits is discarded; finish (or abort) soon.
  [[nodiscard]] bool cancelled() const noexcept;
  /// Runs `abort` once when the call is cancelled while open (at once when it
  /// is cancelled already), so that a library can cut it short (for example
  /// curl_multi_remove_handle). It runs on a thread of the runtime, never
  /// after done() or fail() returned, and must not block.
  void on_cancel(std::function<void()> abort);
  /// When the call must be done by: its `timeout`, or Context::kNoDeadline.
  [[nodiscard]] Nanos deadline() const noexcept;
  /// Which attempt at the message this is: 1, then 2... under retry.
  [[nodiscard]] std::int64_t attempt() const noexcept;
  /// False once done() or fail() was called (or for a moved-from Call).
  [[nodiscard]] bool open() const noexcept;

 private:
  std::shared_ptr<detail::CallState> s_;
};

/// What an async stage or sink implements: start() begins a call and returns.
class AsyncCalls {
 public:
  /// Starts the call for `m` and returns without waiting for it. An
  /// exception from start() fails the call as if fail() had been called
  /// (transient when it is a sluice::TransientError).
  virtual void start(Message&& m, Call call, Context& ctx) = 0;
  /// No more input is waiting now (the input ran empty or ended) while calls
  /// are open: a stage that gathers several messages into one request (a
  /// sink that posts batches) sends what it has. Default: nothing.
  virtual void flush(Context&) {}

 protected:
  ~AsyncCalls() = default;
};

/// A stage whose calls complete later. Its `process` is never called.
class AsyncStage : public Stage, public AsyncCalls {
 public:
  AsyncCalls* async() noexcept final { return this; }
  /// Not used: the runtime calls start().
  void process(Message&& m, Emitter& out, Context& ctx) final;
};

/// A sink whose writes complete later: a call that is done() counts its
/// message written. It emits nothing (its ports take only what fails).
class AsyncSink : public Sink, public AsyncCalls {
 public:
  AsyncCalls* async() noexcept final { return this; }
  /// Not used: the runtime calls start() for each message.
  void consume(std::span<Message> batch, Context& ctx) final;
};

}  // namespace v1
}  // namespace sluice
