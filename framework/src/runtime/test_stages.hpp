// Small stages for the runtime's own tests.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sluice/errors.hpp"
#include "sluice/message.hpp"
#include "sluice/resilience.hpp"
#include "sluice/stage.hpp"
#include "sluice/stats.hpp"

namespace sluice::testing {

constexpr Nanos kMs = 1'000'000;

/// Waits (yielding, not sleeping) for the runtime to do what the manual
/// clock allows; aborts the test binary if it never does, rather than hang.
template <class Pred>
void settle(Pred pred) {
  for (int i = 0; i < 20'000'000 && !pred(); ++i) std::this_thread::yield();
  if (!pred()) {
    std::fprintf(stderr, "condition never held\n");
    std::abort();
  }
}

/// The threads of this process now (Linux).
inline int process_threads() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

/// The threads of the process before a test starts a pipeline, once one
/// thread has been started and joined: ThreadSanitizer's runtime starts a
/// helper thread of its own with the first thread a process creates.
inline int baseline_threads() {
  std::thread([] {}).join();
  return process_threads();
}

/// The process's threads once no more than `bound`, or after a second: a
/// thread that was just joined may be counted for a moment longer, until the
/// kernel has reaped it. (A thread left running is still counted then.)
inline int threads_settled_to(int bound) {
  int n = process_threads();
  for (int i = 0; i < 1000 && n > bound; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    n = process_threads();
  }
  return n;
}

inline const StageStats& stage(const Stats& s, std::string_view name) {
  for (const auto& st : s.stages) {
    if (st.name == name) return st;
  }
  throw std::runtime_error("no stage " + std::string(name));
}

/// Emits seq 1..count (0 = endless), value = seq.
class CountingSource final : public Source {
 public:
  explicit CountingSource(std::uint64_t count) : count_(count) {}
  SourceStatus produce(Emitter& out, Context&, std::size_t budget) override {
    for (std::size_t i = 0; i < budget && (count_ == 0 || next_ <= count_); ++i, ++next_) {
      Message m;
      m.seq = next_;
      m.value = static_cast<std::int64_t>(next_);
      out.emit(std::move(m));
    }
    return count_ != 0 && next_ > count_ ? SourceStatus::done : SourceStatus::more;
  }

 private:
  std::uint64_t count_;
  std::uint64_t next_{1};
};

class PassThrough final : public Stage {
 public:
  void process(Message&& m, Emitter& out, Context&) override { out.emit(std::move(m)); }
};

/// Passes `limit` messages, then asks to stop (like `take`).
class StopAfter final : public Stage {
 public:
  explicit StopAfter(std::uint64_t limit) : limit_(limit) {}
  void process(Message&& m, Emitter& out, Context& ctx) override {
    if (seen_ >= limit_) {
      ctx.count_filtered();
      return;
    }
    out.emit(std::move(m));
    if (++seen_ == limit_) ctx.request_stop();
  }

 private:
  std::uint64_t limit_;
  std::uint64_t seen_{0};
};

/// Throws on the message with seq `bad`.
class ThrowOn final : public Stage {
 public:
  explicit ThrowOn(std::uint64_t bad) : bad_(bad) {}
  void process(Message&& m, Emitter& out, Context&) override {
    if (m.seq == bad_) throw std::runtime_error("boom at " + std::to_string(bad_));
    out.emit(std::move(m));
  }

 private:
  std::uint64_t bad_;
};

/// Collects seqs (thread-safe: one collector may serve several instances).
struct Collected {
  std::mutex mu;
  std::vector<std::uint64_t> seqs;
  std::vector<std::uint64_t> snapshot() {
    std::lock_guard lock(mu);
    return seqs;
  }
};

class CollectSink final : public Sink {
 public:
  explicit CollectSink(Collected& into) : into_(into) {}
  void consume(std::span<Message> batch, Context&) override {
    std::lock_guard lock(into_.mu);
    for (const auto& m : batch) into_.seqs.push_back(m.seq);
  }

 private:
  Collected& into_;
};

/// Takes a message only when allowed to (a consumer that is slow on demand):
/// parks on a timer at now + `pause` after every message.
class PacedSink final : public Sink {
 public:
  explicit PacedSink(std::atomic<std::uint64_t>& count) : count_(count) {}
  void consume(std::span<Message> batch, Context&) override { count_ += batch.size(); }

 private:
  std::atomic<std::uint64_t>& count_;
};

/// Messages kept by a KeepSink (thread-safe).
struct Kept {
  std::mutex mu;
  std::vector<Message> messages;
  std::size_t size() {
    std::lock_guard lock(mu);
    return messages.size();
  }
  std::vector<std::string> payloads() {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const auto& m : messages) out.push_back(m.payload);
    return out;
  }
};

class KeepSink final : public Sink {
 public:
  explicit KeepSink(Kept& into) : into_(into) {}
  void consume(std::span<Message> batch, Context&) override {
    std::lock_guard lock(into_.mu);
    for (auto& m : batch) into_.messages.push_back(std::move(m));
  }

 private:
  Kept& into_;
};

/// An attribute of `m`, or "(none)".
inline std::string attr(const Message& m, std::string_view name) {
  const std::string* v = m.attrs.find(name);
  return v ? *v : "(none)";
}

/// Retry without jitter: 100, 200, 400, 800 ms, then 1 s between attempts.
inline RetryPolicy no_jitter(std::int64_t max_attempts) {
  return {.max_attempts = max_attempts,
          .initial_backoff = 100 * kMs,
          .max_backoff = 1000 * kMs,
          .multiplier = 2.0,
          .jitter = Jitter::none};
}

}  // namespace sluice::testing
