// Tracer: the Chrome trace-event JSON file of `sluice run --trace FILE`
// (RunOptions::trace_file), which Perfetto and chrome://tracing open. One
// track per thread; a complete event ("X") per stage turn; instants for
// retries, breaker changes, drops and timer wakes; counters for edge depths;
// flow events ("s" / "t" / "f") for the hops of sampled messages.
//
//   Tracer tracer({.path = "run.trace.json", .stages = {"src", "sink"}});
//   tracer.turn(Tracer::Role::worker, 0, 0, t0, t1, 0, 256);  // on any thread
//   ...
//   tracer.finish();  // once no thread records any more
//
// Each thread records into its own buffer of fixed-size records: no lock,
// no formatting, no allocation while it runs. A full buffer is formatted by
// its thread and appended to the file under a mutex; finish() writes what
// is left. Thread-safety: the recording members may be called from any
// thread until finish() (which must not run concurrently with them).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::detail {

class Chunk;  // tracer.cpp

class Tracer {
 public:
  /// What kind of thread records: names its track ("worker 1", "io 2"...).
  enum class Role : std::uint8_t { worker, io, timer, control };

  struct Config {
    std::string path;
    /// Share of trace ids whose messages get flow events, 0..1.
    double sample{0.001};
    std::string process{"sluice"};  ///< the pipeline's name
    std::vector<std::string> stages{};
    std::vector<std::string> edges{};  ///< labelled "from -> to"; their depth counters too
    std::size_t buffer_events{8192};   ///< per thread, before it is written out
  };

  /// Opens (truncates) the file: std::runtime_error when it cannot.
  explicit Tracer(Config config);
  ~Tracer();  ///< finish(), when nobody called it
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  /// Whether the message of this trace id gets flow events: the same answer
  /// on every hop, from the id alone. Id 0 (no id) never does.
  /// It runs for every message a stage takes, so it is one multiply
  /// (Fibonacci hashing: spreads random and consecutive ids alike).
  [[nodiscard]] bool sampled(std::uint64_t trace_id) const noexcept {
    return ((trace_id * 0x9e3779b97f4a7c15ULL) >> 11) < threshold_ && trace_id != 0;
  }
  /// Some messages may be sampled (trace_sample > 0): else nobody looks.
  [[nodiscard]] bool samples() const noexcept { return threshold_ != 0; }

  // Recording; times are steady-clock nanoseconds, `stage` and `edge` index Config's lists.
  /// One turn of an instance: from t0 to t1, messages taken and emitted.
  void turn(Role role, std::uint32_t stage, std::uint32_t instance, std::int64_t t0,
            std::int64_t t1, std::uint64_t taken, std::uint64_t emitted);
  /// A message parked for another attempt after `delay` ns.
  void retry(Role role, std::uint32_t stage, std::uint32_t instance, std::int64_t ts,
             std::int64_t next_attempt, std::int64_t delay, std::uint64_t trace_id);
  /// A circuit breaker changed state (CircuitBreaker::State values).
  void breaker(Role role, std::uint32_t stage, std::uint32_t instance, std::int64_t ts, int from,
               int to);
  /// A stage dropped `count` messages (on_error = drop, unconnected ports, count_dropped).
  void stage_drop(Role role, std::uint32_t stage, std::uint32_t instance, std::int64_t ts,
                  std::uint64_t count);
  /// An edge's overflow policy dropped `count` messages.
  void edge_drop(Role role, std::uint32_t edge, std::int64_t ts, std::uint64_t count);
  /// A timer an instance had armed woke it.
  void timer_wake(Role role, std::uint32_t stage, std::uint32_t instance, std::int64_t ts);
  /// An edge's queue held `depth` messages.
  void depth(Role role, std::uint32_t edge, std::int64_t ts, std::uint64_t depth);
  /// One hop of a sampled message: where it was made (a source), passed on,
  /// or ended (a sink). Recorded inside the turn whose span it binds to.
  enum class Hop : std::uint8_t { start, step, end };
  void hop(Role role, Hop hop, std::uint32_t stage, std::int64_t ts, std::uint64_t trace_id);

  /// Writes what every thread's buffer holds, the track names and the end
  /// of the document, and closes the file. Returns "" or why the file is
  /// incomplete. Later calls return the same.
  std::string finish();

  /// Flow ids are trace ids cut to 53 bits: exact as JSON numbers.
  [[nodiscard]] static std::uint64_t flow_id(std::uint64_t trace_id) noexcept {
    return trace_id & ((std::uint64_t{1} << 53) - 1);
  }

 private:
  enum class Kind : std::uint8_t {
    turn,
    retry,
    breaker,
    stage_drop,
    edge_drop,
    timer_wake,
    depth,
    hop_start,
    hop_step,
    hop_end
  };
  struct Event {
    std::int64_t ts;
    std::int64_t d;     ///< turn: duration; retry: the delay
    std::uint64_t a;    ///< taken, count, depth, attempt, trace id, breaker's from
    std::uint64_t b;    ///< emitted, breaker's to, retry's trace id
    std::uint32_t who;  ///< stage or edge
    std::uint32_t instance;
    Kind kind;
  };
  struct Buffer;

  Buffer& local(Role role);
  Buffer& attach(Role role);
  void record(Role role, const Event& e);
  /// Formats and appends `buffer`'s events to the file, and empties it.
  void spill(Buffer& buffer);
  /// Bytes append_event may write for `e`.
  [[nodiscard]] std::size_t room_for(const Event& e) const noexcept;
  void append_event(Chunk& out, const Event& e, std::uint32_t tid) const;
  void write_chunk(std::string_view chunk);

  const Config config_;
  const std::uint64_t threshold_;        ///< sampled: hash >> 11 below this (of 2^53)
  const std::uint64_t serial_;           ///< tells this tracer's thread-local buffer from others'
  const std::int64_t origin_;            ///< steady ns of ts 0
  std::vector<std::string> stage_json_;  ///< names as JSON strings
  std::vector<std::string> edge_json_;
  std::vector<std::string> depth_json_;  ///< "depth <edge>": the counter's track
  const int pid_;

  std::mutex buffers_mu_;
  std::vector<std::unique_ptr<Buffer>> buffers_;
  std::uint32_t per_role_[4]{};

  std::mutex file_mu_;
  std::FILE* file_{nullptr};
  bool any_event_{false};
  std::string error_;
  std::atomic<bool> finished_{false};
};

}  // namespace sluice::detail
