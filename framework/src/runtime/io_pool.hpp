// IoPool: threads outside the arena for work that blocks (stdin, files,
// plugin stages marked `blocking`), so a blocked call never takes an arena
// worker away from the stages that could run.
//
// It starts with no thread and grows on demand: a job that finds no idle
// thread starts one, up to `max_threads`, so a blocking stage with
// `workers = N` makes N calls at once. A thread that has waited `idle` for
// work ends, so a pipeline quiet between bursts gives its threads back.
//
//   IoPool pool(64, 10 * kNanosPerSecond);
//   pool.submit([&] { call_the_service(); });
//
// Thread-safety: submit() may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "sluice/clock.hpp"

namespace sluice::detail {

class IoPool {
 public:
  IoPool(std::size_t max_threads, Nanos idle);
  ~IoPool();  ///< runs what was submitted, then joins
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  /// `caller_frees_a_thread`: the caller is a job of this pool that returns
  /// right after (an instance queueing itself again), so its thread will
  /// take a job without a new one being started.
  void submit(std::function<void()> job, bool caller_frees_a_thread = false);
  /// Finishes the queued jobs and joins the threads.
  void shutdown();

 private:
  void loop();
  /// Joins the threads that ended for idleness (called with mu_ held).
  void reap_locked();

  const std::size_t max_threads_;
  const Nanos idle_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_{false};
  std::size_t idle_threads_{0};
  std::size_t live_{0};
  std::vector<std::thread> threads_;
  std::vector<std::thread::id> ended_;  ///< left loop() idle, not joined yet
};

}  // namespace sluice::detail
