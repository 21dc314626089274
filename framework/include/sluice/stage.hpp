// The interfaces a stage author implements: Source, Stage and Sink, with the
// Emitter they write to and the Context they run in. Stage code is plain
// synchronous code; the runtime decides when and on which thread it runs.
//
//   class Upper final : public sluice::Stage {
//     void process(sluice::Message&& m, sluice::Emitter& out, sluice::Context&) override {
//       for (auto& c : m.payload) c = static_cast<char>(std::toupper(c));
//       out.emit(std::move(m));
//     }
//   };
//
// Thread-safety: the runtime never runs one instance on two threads at once;
// with `workers = N` there are N instances, each with its own object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/clock.hpp"
#include "sluice/message.hpp"

namespace sluice {
inline namespace v1 {

enum class LogLevel { debug, info, warn, error };

class AsyncCalls;  // an async stage's or sink's calls (sluice/async.hpp)

/// Where a stage's messages go. Emitting never blocks: messages are buffered
/// and moved to the output channels in batches by the runtime, which stops
/// feeding the stage while its outputs are full.
///
/// Passing on the message a stage was given (`out.emit(std::move(m))`) costs
/// no copy and no move: the runtime recognises it and leaves it where it is
/// in the input batch, which becomes the output batch.
class Emitter {
 public:
  static constexpr std::size_t kNoPort = std::numeric_limits<std::size_t>::max();

  /// Writes into `ports`, one vector per name in `names` (both outlive the
  /// emitter). The runtime makes one per stage instance; a stage's own test
  /// may make one to call it.
  Emitter(std::vector<Message>* ports, const std::vector<std::string>* names) noexcept
      : ports_(ports), names_(names) {}

  /// To the default port (the first one, usually "out").
  void emit(Message&& m) {
    if (&m == current_) {
      pass_on();
    } else {
      emit_moved(0, std::move(m));
    }
  }
  /// To port number `port` (its index in the stage type's port list).
  void emit(std::size_t port, Message&& m) {
    if (port == 0 && &m == current_) {
      pass_on();
    } else {
      emit_moved(port, std::move(m));
    }
  }
  /// To a port by name; prefer port(name) once and the index afterwards.
  void emit(std::string_view port_name, Message&& m);
  /// A new, empty message on `port` to fill in place: what a source emits
  /// this way is never moved.
  Message& emplace(std::size_t port = 0) {
    if (port == 0 && batch_ != nullptr && write_ != batch_->data()) hand_over_passed();
    return ports_[port].emplace_back();
  }
  /// Index of a port, or kNoPort.
  [[nodiscard]] std::size_t port(std::string_view name) const noexcept;
  [[nodiscard]] std::size_t port_count() const noexcept { return names_->size(); }

 protected:
  // What the runtime's half of the emitter (batch control, undoing a failed
  // attempt) works on; a stage sees only the calls above.
  std::vector<Message>* ports_;
  const std::vector<std::string>* names_;
  std::vector<Message>* batch_{nullptr};  ///< the input batch, while the runtime runs one
  Message* current_{nullptr};             ///< the input being processed
  Message* write_{nullptr};               ///< where the next message passed on in place goes

 private:
  void pass_on() {
    // Usually the message is already where it goes; the move is out of line
    // so that a trivial stage's process() stays small.
    if (write_ != current_) move_down();
    ++write_;
    current_ = nullptr;
  }
  void move_down();
  void emit_moved(std::size_t port, Message&& m);
  /// Moves what was passed on in place so far into port 0 (emission order).
  void hand_over_passed();
};

/// What a stage instance may ask of the runtime.
class Context {
 public:
  static constexpr Nanos kNoDeadline = std::numeric_limits<Nanos>::max();

  virtual ~Context() = default;
  [[nodiscard]] virtual std::string_view stage_name() const noexcept = 0;
  /// This instance's index in 0..instances()-1 (`workers = N`).
  [[nodiscard]] virtual std::size_t instance() const noexcept = 0;
  [[nodiscard]] virtual std::size_t instances() const noexcept = 0;
  [[nodiscard]] virtual const Clock& clock() const noexcept = 0;
  [[nodiscard]] Nanos now() const noexcept { return clock().now(); }
  /// True once the pipeline is being torn down, or the current attempt has
  /// passed its deadline: stop early; what the attempt emits is discarded.
  [[nodiscard]] virtual bool cancelled() const noexcept = 0;
  /// When the current attempt must be done (Context::kNoDeadline if none).
  [[nodiscard]] virtual Nanos deadline() const noexcept { return kNoDeadline; }
  /// Which attempt at the current message this is: 1, then 2... under retry.
  [[nodiscard]] virtual std::int64_t attempt() const noexcept { return 1; }
  /// Run on_timer() (Stage) or produce() (Source) again at `deadline`. The
  /// earliest pending request wins; waiting costs no thread.
  virtual void wake_at(Nanos deadline) = 0;
  /// A function that wakes this instance from any thread, as wake_at(now)
  /// would: the runtime then calls produce() (Source) or on_timer() (Stage).
  /// For a library's own threads (a server that queued a request). Calling
  /// it after the run ended does nothing. Empty where nothing can be woken
  /// (a test's own Context).
  [[nodiscard]] virtual std::function<void()> waker() { return {}; }
  /// This stage wants no more input: the runtime detaches its inputs (which
  /// stops producers nobody else consumes), flushes it and closes its outputs.
  virtual void request_stop() = 0;
  virtual void log(LogLevel level, std::string_view message) = 0;
  /// Messages discarded on purpose (filter, sample, dedupe, take).
  virtual void count_filtered(std::uint64_t n = 1) noexcept = 0;
  /// Messages the stage itself dropped (a rate limit in drop mode...).
  virtual void count_dropped(std::uint64_t n = 1) noexcept = 0;
  /// A stage-specific counter, reported in the stats under the stage.
  virtual void add_counter(std::string_view name, std::uint64_t n = 1) = 0;
  /// The stage's inputs, in the order they were declared, and which of them
  /// the message being processed came from (priority lanes).
  [[nodiscard]] virtual std::size_t input_count() const noexcept { return 1; }
  [[nodiscard]] virtual std::size_t input_index() const noexcept { return 0; }
  /// How often this instance was restarted (`restart`): a source reopened,
  /// a stage or sink rebuilt. A sink that truncates its file on open appends
  /// once restarted.
  [[nodiscard]] virtual std::int64_t restarts() const noexcept { return 0; }
};

enum class SourceStatus {
  more,  ///< call produce() again
  wait,  ///< nothing now; produce() again after the time given to Context::wake_at
  done,  ///< the source is exhausted: its outputs close
};

class Source {
 public:
  virtual ~Source() = default;
  virtual void open(Context&) {}
  /// Emits at most `budget` messages (it may emit fewer).
  virtual SourceStatus produce(Emitter& out, Context& ctx, std::size_t budget) = 0;
  virtual void close(Context&) {}
};

class Stage {
 public:
  virtual ~Stage() = default;
  virtual void open(Context&) {}
  virtual void process(Message&& m, Emitter& out, Context& ctx) = 0;
  /// A time asked for with Context::wake_at has come (the earliest one asked).
  virtual void on_timer(Emitter&, Context&) {}
  /// Messages the stage holds to emit later (delay, batch). The runtime stops
  /// feeding it while this is at the hold limit. A stage that holds messages
  /// must have asked for a wake-up (Context::wake_at) to emit them.
  [[nodiscard]] virtual std::size_t held() const noexcept { return 0; }
  /// Whether the stage takes input from its input number `input` now (a
  /// priority stage refuses a lane it already holds enough of, so that each
  /// lane stays filled from its own queue).
  [[nodiscard]] virtual bool accepts(std::size_t input) const noexcept {
    (void)input;
    return true;
  }
  /// The outputs can take `room` more messages without waiting: emit up to
  /// that many of those held (a priority stage picks which). Called while
  /// held() > 0, whenever room appears; the default emits nothing.
  virtual void release(Emitter&, Context&, std::size_t room) { (void)room; }
  /// Input number `input` ended (its producers are done) while others may
  /// still be open: a `gate` whose control input ended learns that nothing
  /// will open it any more. Default: nothing.
  virtual void input_ended(std::size_t input, Emitter&, Context&) { (void)input; }
  /// All inputs ended: emit what should go now (a partial batch). What the
  /// stage still holds afterwards (a delay's messages) is emitted from
  /// on_timer or release as before; the outputs close once held() is 0.
  virtual void close(Emitter&, Context&) {}
  /// An AsyncStage (sluice/async.hpp) returns itself; others, null.
  virtual AsyncCalls* async() noexcept { return nullptr; }
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void open(Context&) {}
  /// Writes a batch; the messages may be moved from.
  virtual void consume(std::span<Message> batch, Context& ctx) = 0;
  /// All inputs ended: flush.
  virtual void close(Context&) {}
  /// An AsyncSink (sluice/async.hpp) returns itself; others, null.
  virtual AsyncCalls* async() noexcept { return nullptr; }
};

}  // namespace v1
}  // namespace sluice
