#include "runtime/tracer.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "sluice/clock.hpp"
#include "sluice/resilience.hpp"

namespace sluice::detail {
namespace {

/// This thread's buffer of the tracer with serial number `serial` (serials
/// are never reused, so a tracer at the address of a destroyed one cannot
/// pick up its stale buffer).
struct LocalBuffer {
  std::uint64_t serial{0};
  void* buffer{nullptr};
};
thread_local LocalBuffer tl_buffer;
std::atomic<std::uint64_t> next_serial{1};

std::string json_string(const std::string& s) { return nlohmann::json(s).dump(); }

std::uint64_t threshold_of(double sample) {
  if (!(sample > 0)) return 0;
  if (sample >= 1) return std::uint64_t{1} << 53;  // every hash (53 bits) is below it
  return static_cast<std::uint64_t>(std::ldexp(sample, 53));
}

const char* role_name(Tracer::Role role) {
  switch (role) {
    case Tracer::Role::worker:
      return "worker";
    case Tracer::Role::io:
      return "io";
    case Tracer::Role::timer:
      return "timer";
    case Tracer::Role::control:
      return "main";
  }
  return "thread";
}

/// Microseconds (the format's unit) with the nanoseconds as decimals.
struct Micros {
  std::int64_t ns;
};

}  // namespace

/// Where a spill formats its events: a buffer that is never zero-filled
/// (std::string's resize would clear each event's room first).
class Chunk {
 public:
  explicit Chunk(std::size_t capacity) : data_(new char[capacity]), capacity_(capacity) {}
  [[nodiscard]] std::size_t left() const noexcept { return capacity_ - size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::string_view view() const noexcept { return {data_.get(), size_}; }
  void clear() noexcept { size_ = 0; }
  [[nodiscard]] char* end() noexcept { return data_.get() + size_; }
  void set_end(char* p) noexcept { size_ = static_cast<std::size_t>(p - data_.get()); }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t capacity_;
  std::size_t size_{0};
};

struct Tracer::Buffer {
  std::vector<Event> events;
  std::uint32_t tid{0};
  std::string name;
  std::thread::id thread;
  std::unique_ptr<Chunk> chunk;  ///< where spill() formats; made by the first one
};

namespace {

/// Appends to a Chunk with room enough (room_for): the turn's span and the
/// hops are most of a trace, and fmt's parsing of a format string costs
/// several times what writing them this way does.
class Writer {
 public:
  explicit Writer(Chunk& chunk) : chunk_(chunk), p_(chunk.end()) {}
  ~Writer() { chunk_.set_end(p_); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  Writer& text(std::string_view s) noexcept {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
    return *this;
  }
  Writer& number(std::uint64_t n) noexcept {
    p_ = std::to_chars(p_, p_ + 20, n).ptr;
    return *this;
  }
  Writer& micros(std::int64_t ns) noexcept {
    if (ns < 0) ns = 0;
    number(static_cast<std::uint64_t>(ns / 1000));
    const auto frac = static_cast<unsigned>(ns % 1000);
    p_[0] = '.';
    p_[1] = static_cast<char>('0' + frac / 100);
    p_[2] = static_cast<char>('0' + frac / 10 % 10);
    p_[3] = static_cast<char>('0' + frac % 10);
    p_ += 4;
    return *this;
  }
  /// A rare event's text, by fmt.
  template <typename... Args>
  Writer& format(fmt::format_string<Args...> f, Args&&... args) {
    p_ = fmt::format_to(p_, f, std::forward<Args>(args)...);
    return *this;
  }

 private:
  Chunk& chunk_;
  char* p_;
};

/// A spill formats into chunks of this size and writes each as it fills.
constexpr std::size_t kChunkBytes = std::size_t{256} << 10;

}  // namespace
}  // namespace sluice::detail

template <>
struct fmt::formatter<sluice::detail::Micros> {
  constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }
  template <typename Context>
  auto format(sluice::detail::Micros m, Context& ctx) const {
    const std::int64_t ns = m.ns < 0 ? 0 : m.ns;
    return fmt::format_to(ctx.out(), "{}.{:03}", ns / 1000, ns % 1000);
  }
};

namespace sluice::detail {

Tracer::Tracer(Config config)
    : config_(std::move(config)),
      threshold_(threshold_of(config_.sample)),
      serial_(next_serial.fetch_add(1)),
      origin_(SteadyClock::instance().now()),
      pid_(static_cast<int>(::getpid())) {
  for (const auto& s : config_.stages) stage_json_.push_back(json_string(s));
  for (const auto& e : config_.edges) {
    edge_json_.push_back(json_string(e));
    depth_json_.push_back(json_string("depth " + e));
  }
  file_ = std::fopen(config_.path.c_str(), "w");
  if (file_ == nullptr) {
    throw std::runtime_error("cannot write the trace to '" + config_.path +
                             "': " + std::strerror(errno));
  }
  if (std::fputs("{\"traceEvents\":[\n", file_) < 0) error_ = std::strerror(errno);
}

Tracer::~Tracer() { (void)finish(); }

Tracer::Buffer& Tracer::local(Role role) {
  if (tl_buffer.serial == serial_) [[likely]] {
    return *static_cast<Buffer*>(tl_buffer.buffer);
  }
  return attach(role);
}

Tracer::Buffer& Tracer::attach(Role role) {
  std::lock_guard lock(buffers_mu_);
  const std::thread::id self = std::this_thread::get_id();
  Buffer* found = nullptr;
  for (const auto& b : buffers_) {
    if (b->thread == self) found = b.get();  // this thread worked for another tracer meanwhile
  }
  if (found == nullptr) {
    auto b = std::make_unique<Buffer>();
    b->events.reserve(config_.buffer_events);
    b->tid = static_cast<std::uint32_t>(buffers_.size() + 1);
    b->thread = self;
    const auto r = static_cast<std::size_t>(role);
    b->name = role == Role::timer || role == Role::control
                  ? role_name(role)
                  : fmt::format("{} {}", role_name(role), ++per_role_[r]);
    found = b.get();
    buffers_.push_back(std::move(b));
  }
  tl_buffer = {serial_, found};
  return *found;
}

void Tracer::record(Role role, const Event& e) {
  Buffer& b = local(role);
  b.events.push_back(e);
  if (b.events.size() >= config_.buffer_events) spill(b);
}

void Tracer::turn(Role role, std::uint32_t stage, std::uint32_t instance, std::int64_t t0,
                  std::int64_t t1, std::uint64_t taken, std::uint64_t emitted) {
  record(role, {.ts = t0,
                .d = t1 - t0,
                .a = taken,
                .b = emitted,
                .who = stage,
                .instance = instance,
                .kind = Kind::turn});
}

void Tracer::retry(Role role, std::uint32_t stage, std::uint32_t instance, std::int64_t ts,
                   std::int64_t next_attempt, std::int64_t delay, std::uint64_t trace_id) {
  record(role, {.ts = ts,
                .d = delay,
                .a = static_cast<std::uint64_t>(next_attempt),
                .b = trace_id,
                .who = stage,
                .instance = instance,
                .kind = Kind::retry});
}

void Tracer::breaker(Role role, std::uint32_t stage, std::uint32_t instance, std::int64_t ts,
                     int from, int to) {
  record(role, {.ts = ts,
                .d = 0,
                .a = static_cast<std::uint64_t>(from),
                .b = static_cast<std::uint64_t>(to),
                .who = stage,
                .instance = instance,
                .kind = Kind::breaker});
}

void Tracer::stage_drop(Role role, std::uint32_t stage, std::uint32_t instance, std::int64_t ts,
                        std::uint64_t count) {
  record(role, {.ts = ts,
                .d = 0,
                .a = count,
                .b = 0,
                .who = stage,
                .instance = instance,
                .kind = Kind::stage_drop});
}

void Tracer::edge_drop(Role role, std::uint32_t edge, std::int64_t ts, std::uint64_t count) {
  record(
      role,
      {.ts = ts, .d = 0, .a = count, .b = 0, .who = edge, .instance = 0, .kind = Kind::edge_drop});
}

void Tracer::timer_wake(Role role, std::uint32_t stage, std::uint32_t instance, std::int64_t ts) {
  record(role, {.ts = ts,
                .d = 0,
                .a = 0,
                .b = 0,
                .who = stage,
                .instance = instance,
                .kind = Kind::timer_wake});
}

void Tracer::depth(Role role, std::uint32_t edge, std::int64_t ts, std::uint64_t depth) {
  record(role,
         {.ts = ts, .d = 0, .a = depth, .b = 0, .who = edge, .instance = 0, .kind = Kind::depth});
}

void Tracer::hop(Role role, Hop hop, std::uint32_t stage, std::int64_t ts, std::uint64_t trace_id) {
  const Kind kind = hop == Hop::start  ? Kind::hop_start
                    : hop == Hop::step ? Kind::hop_step
                                       : Kind::hop_end;
  record(role,
         {.ts = ts, .d = 0, .a = trace_id, .b = 0, .who = stage, .instance = 0, .kind = kind});
}

void Tracer::append_event(Chunk& out, const Event& e, std::uint32_t tid) const {
  Writer w(out);
  const Micros ts{e.ts - origin_};
  const int pid = pid_;
  switch (e.kind) {
    case Kind::turn: {
      const std::string& stage = stage_json_[e.who];
      w.text(R"({"name":)").text(stage).text(R"(,"ph":"X","ts":)").micros(ts.ns);
      w.text(R"(,"dur":)").micros(e.d).text(R"(,"pid":)").number(pid_).text(R"(,"tid":)");
      w.number(tid).text(R"(,"args":{"stage":)").text(stage).text(R"(,"instance":)");
      w.number(e.instance).text(R"(,"taken":)").number(e.a).text(R"(,"emitted":)").number(e.b);
      w.text("}}");
      return;
    }
    case Kind::hop_start:
    case Kind::hop_step:
    case Kind::hop_end:
      w.text(R"({"name":"message","cat":"flow","ph":)");
      // "bp":"e": the end binds to the turn it happens in, not to the next slice.
      w.text(e.kind == Kind::hop_start  ? R"("s",)"
             : e.kind == Kind::hop_step ? R"("t",)"
                                        : R"("f","bp":"e",)");
      w.text(R"("id":)").number(flow_id(e.a)).text(R"(,"ts":)").micros(ts.ns);
      w.text(R"(,"pid":)").number(pid_).text(R"(,"tid":)").number(tid);
      w.text(R"(,"args":{"stage":)").text(stage_json_[e.who]).text(R"(,"trace_id":)");
      w.number(e.a).text("}}");
      return;
    case Kind::retry:
      w.format(R"({{"name":"retry","cat":"retry","ph":"i","s":"t","ts":{},"pid":{},"tid":{},)"
               R"("args":{{"stage":{},"instance":{},"attempt":{},"delay_ms":{:.3f},)"
               R"("trace_id":{}}}}})",
               ts, pid, tid, stage_json_[e.who], e.instance, e.a, static_cast<double>(e.d) / 1e6,
               e.b);
      return;
    case Kind::breaker: {
      const auto from = to_string(static_cast<CircuitBreaker::State>(e.a));
      const auto to = to_string(static_cast<CircuitBreaker::State>(e.b));
      w.format(R"({{"name":"breaker {} -> {}","cat":"breaker","ph":"i","s":"t","ts":{},)"
               R"("pid":{},"tid":{},"args":{{"stage":{},"instance":{},"from":"{}","to":"{}"}}}})",
               from, to, ts, pid, tid, stage_json_[e.who], e.instance, from, to);
      return;
    }
    case Kind::stage_drop:
      w.format(R"({{"name":"drop","cat":"drop","ph":"i","s":"t","ts":{},"pid":{},"tid":{},)"
               R"("args":{{"stage":{},"instance":{},"count":{}}}}})",
               ts, pid, tid, stage_json_[e.who], e.instance, e.a);
      return;
    case Kind::edge_drop:
      w.format(R"({{"name":"drop","cat":"drop","ph":"i","s":"t","ts":{},"pid":{},"tid":{},)"
               R"("args":{{"edge":{},"count":{}}}}})",
               ts, pid, tid, edge_json_[e.who], e.a);
      return;
    case Kind::timer_wake:
      w.format(R"({{"name":"timer wake","cat":"timer","ph":"i","s":"t","ts":{},"pid":{},)"
               R"("tid":{},"args":{{"stage":{},"instance":{}}}}})",
               ts, pid, tid, stage_json_[e.who], e.instance);
      return;
    case Kind::depth:
      w.format(R"({{"name":{},"ph":"C","ts":{},"pid":{},"tid":{},"args":{{"depth":{}}}}})",
               depth_json_[e.who], ts, pid, tid, e.a);
      return;
  }
}

std::size_t Tracer::room_for(const Event& e) const noexcept {
  // Fixed text and numbers take under 400 bytes in every kind of event.
  constexpr std::size_t kFixed = 400;
  switch (e.kind) {
    case Kind::edge_drop:
      return kFixed + edge_json_[e.who].size();
    case Kind::depth:
      return kFixed + depth_json_[e.who].size();
    default:
      return kFixed + 2 * stage_json_[e.who].size();
  }
}

void Tracer::spill(Buffer& buffer) {
  if (buffer.events.empty()) return;
  // Kept for the next spill: a fresh megabyte each time would be mapped
  // and faulted in anew.
  if (!buffer.chunk) buffer.chunk = std::make_unique<Chunk>(kChunkBytes);
  Chunk& chunk = *buffer.chunk;
  chunk.clear();
  for (const Event& e : buffer.events) {
    if (chunk.left() < room_for(e) + 2) {
      write_chunk(chunk.view());
      chunk.clear();
    }
    if (!chunk.empty()) Writer(chunk).text(",\n");
    append_event(chunk, e, buffer.tid);
  }
  buffer.events.clear();
  write_chunk(chunk.view());
}

void Tracer::write_chunk(std::string_view chunk) {
  if (chunk.empty()) return;
  std::lock_guard lock(file_mu_);
  if (file_ == nullptr || !error_.empty()) return;
  if (any_event_ && std::fputs(",\n", file_) < 0) error_ = std::strerror(errno);
  if (std::fwrite(chunk.data(), 1, chunk.size(), file_) != chunk.size()) {
    error_ = std::strerror(errno);
  }
  any_event_ = true;
}

std::string Tracer::finish() {
  if (finished_.exchange(true)) {
    std::lock_guard lock(file_mu_);
    return error_;
  }
  std::string names;
  {
    std::lock_guard lock(buffers_mu_);
    for (const auto& b : buffers_) spill(*b);
    const int pid = pid_;
    auto it = std::back_inserter(names);
    // "ts" on metadata too: every event carries the fields a reader may require.
    fmt::format_to(it,
                   R"({{"name":"process_name","ph":"M","ts":0,"pid":{},"tid":0,)"
                   R"("args":{{"name":{}}}}})",
                   pid, json_string("sluice " + config_.process));
    for (const auto& b : buffers_) {
      fmt::format_to(it,
                     ",\n"
                     R"({{"name":"thread_name","ph":"M","ts":0,"pid":{0},"tid":{1},)"
                     R"("args":{{"name":{2}}}}},)"
                     "\n"
                     R"({{"name":"thread_sort_index","ph":"M","ts":0,"pid":{0},"tid":{1},)"
                     R"("args":{{"sort_index":{1}}}}})",
                     pid, b->tid, json_string(b->name));
    }
  }
  write_chunk(names);
  std::lock_guard lock(file_mu_);
  if (file_ == nullptr) return error_;
  if (std::fputs("\n],\"displayTimeUnit\":\"ns\"}\n", file_) < 0 && error_.empty()) {
    error_ = std::strerror(errno);
  }
  if (std::fclose(file_) != 0 && error_.empty()) error_ = std::strerror(errno);
  file_ = nullptr;
  if (!error_.empty()) error_ = "cannot write the trace to '" + config_.path + "': " + error_;
  return error_;
}

}  // namespace sluice::detail
