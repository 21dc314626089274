// TapQueue: the watcher behind `sluice tap` (the run's side). The pipeline
// offers it what leaves the tapped output (sluice/tap.hpp); it keeps copies
// of at most `rate` messages a second (0: all it has room for) and `limit`
// in all (0: no limit), in a bounded queue that the HTTP thread streaming
// them drains. When that queue is full, or a pipeline thread would have to
// wait for its lock, the copies are dropped, never the pipeline's messages.
//
//   auto q = std::make_shared<TapQueue>(10.0, 100);
//   pipeline.tap("parse", q.get());
//   for (auto batch = q->take(200ms); !q->finished(); batch = q->take(200ms)) print(batch);
//   pipeline.untap(q.get());
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "sluice/tap.hpp"

namespace sluice::cli {

class TapQueue final : public TapSink {
 public:
  static constexpr std::size_t kCapacity = 1024;

  TapQueue(double rate_per_second, std::uint64_t limit, std::size_t capacity = kCapacity)
      : rate_(rate_per_second), limit_(limit), capacity_(capacity) {}

  void offer(std::span<const Message> messages) noexcept override;

  /// What is queued, waiting up to `wait` for something; empty when nothing
  /// came or the queue is closed.
  std::vector<Message> take(std::chrono::milliseconds wait);
  /// Ends take()'s waits: the run is ending.
  void close();
  /// `limit` messages were taken, or close() was called.
  [[nodiscard]] bool finished();
  /// Copies dropped because the queue was full or its lock busy.
  [[nodiscard]] std::uint64_t dropped();

 private:
  const double rate_;
  const std::uint64_t limit_;
  const std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Message> queue_;
  std::uint64_t accepted_{0};  ///< copies queued so far (counts towards limit_)
  std::uint64_t taken_{0};
  std::atomic<std::uint64_t> dropped_{0};  ///< also counted without mu_ (busy lock)
  double tokens_{1};                       ///< the rate's allowance (at most max(1, rate_) banked)
  std::chrono::steady_clock::time_point last_{std::chrono::steady_clock::now()};
  bool closed_{false};
};

/// One tapped message as `sluice tap` prints it: its payload, or with
/// `json` a JSON object like a `file` sink's json format.
[[nodiscard]] std::string tap_line(const Message& m, bool json);

}  // namespace sluice::cli
