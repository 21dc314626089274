// IoPool: a few threads outside the arena for work that blocks (stdin, files,
// plugin stages marked `blocking`), so a blocked read never takes an arena
// worker away from the stages that could run.
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

namespace sluice::detail {

class IoPool {
 public:
  explicit IoPool(std::size_t threads);
  ~IoPool();  ///< runs what was submitted, then joins
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  void submit(std::function<void()> job);
  /// Finishes the queued jobs and joins the threads.
  void shutdown();

 private:
  void loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace sluice::detail
