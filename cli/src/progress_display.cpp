#include "progress_display.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <string_view>

namespace sluice::cli {
namespace {

/// The terminal's width, or 0 when unknown (not a terminal).
std::size_t columns(std::FILE* out) {
  winsize ws{};
  if (ioctl(fileno(out), TIOCGWINSZ, &ws) != 0) return 0;
  return ws.ws_col;
}

}  // namespace

void ProgressDisplay::start(std::function<Stats()> snapshot, Instances instances,
                            std::chrono::milliseconds period) {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this, snapshot = std::move(snapshot), instances = std::move(instances),
                         period] { loop(snapshot, instances, period); });
}

void ProgressDisplay::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  erase();
}

void ProgressDisplay::print_above(const std::function<void()>& write) {
  std::lock_guard lock(mu_);
  erase();
  write();
}

void ProgressDisplay::loop(const std::function<Stats()>& snapshot, const Instances& instances,
                           std::chrono::milliseconds period) {
  using Clock = std::chrono::steady_clock;
  Stats before = snapshot();
  auto before_t = Clock::now();
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, period, [this] { return stopping_; })) return;
    }
    // Outside the lock: a snapshot may take a while, and the logger must not wait for it.
    Stats now = snapshot();
    const auto now_t = Clock::now();
    // The pipeline's own clock matches its counters; the wall clock is the fallback.
    double interval = now.elapsed_s - before.elapsed_s;
    if (interval <= 0) interval = std::chrono::duration<double>(now_t - before_t).count();
    const std::string frame = render_progress(before, now, interval, instances);
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      draw(frame);
    }
    before = std::move(now);
    before_t = now_t;
  }
}

void ProgressDisplay::draw(const std::string& frame) {
  const std::size_t width = columns(out_);
  std::string text;
  // Back to the first line of the previous frame, then overwrite it line by line.
  if (drawn_lines_ > 0) text += "\x1b[" + std::to_string(drawn_lines_) + "A\r";
  std::size_t lines = 0;
  std::string_view rest = frame;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    // A wrapped line would throw the cursor arithmetic off: cut it at the edge.
    if (width > 0 && line.size() >= width) line = line.substr(0, width - 1);
    text.append(line);
    text += "\x1b[K\n";  // clear what is left of an older, longer line
    ++lines;
  }
  text += "\x1b[J";  // and the lines of an older, taller frame
  std::fputs(text.c_str(), out_);
  std::fflush(out_);
  drawn_lines_ = lines;
}

void ProgressDisplay::erase() {
  if (drawn_lines_ == 0) return;
  const std::string text = "\x1b[" + std::to_string(drawn_lines_) + "A\r\x1b[J";
  std::fputs(text.c_str(), out_);
  std::fflush(out_);
  drawn_lines_ = 0;
}

}  // namespace sluice::cli
