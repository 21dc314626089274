// Redraws the progress table (progress.hpp) in place on a terminal, about four
// times a second, with ANSI cursor movement.
//
//   ProgressDisplay display(stderr);
//   display.start([&] { return pipeline.stats(); }, instances);
//   pipeline.wait();
//   display.stop();  // joins the thread and erases the live table
//
// Others writing to the same terminal (the logger) go through print_above(),
// which erases the table first so that their lines scroll above it.
// Thread-safety: every member may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "progress.hpp"

namespace sluice::cli {

class ProgressDisplay {
 public:
  explicit ProgressDisplay(std::FILE* out) : out_(out) {}
  ~ProgressDisplay() { stop(); }
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  /// Starts the redraw thread; `snapshot` is called from it every `period`.
  void start(std::function<Stats()> snapshot, Instances instances,
             std::chrono::milliseconds period = std::chrono::milliseconds(250));

  /// Stops and joins the redraw thread and erases the table. Idempotent.
  void stop();

  /// Runs `write`, which prints to the same terminal, with the table erased,
  /// so that what it prints stays above the next frame.
  void print_above(const std::function<void()>& write);

 private:
  void loop(const std::function<Stats()>& snapshot, const Instances& instances,
            std::chrono::milliseconds period);
  void draw(const std::string& frame);  // requires mu_
  void erase();                         // requires mu_

  std::FILE* out_;
  std::mutex mu_;  ///< guards the terminal, drawn_lines_ and stopping_
  std::condition_variable cv_;
  bool stopping_{false};
  std::size_t drawn_lines_{0};
  std::thread thread_;
};

}  // namespace sluice::cli
