#include "builtins/line_source.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace sluice::builtins {
namespace {

/// How long one produce() waits for stdin before giving the runtime a chance
/// to stop it; the wait happens on the I/O pool, never on the arena.
constexpr int kStdinPollMs = 100;

}  // namespace

OptionSpec max_line_bytes_option() {
  return {
      .name = "max_line_bytes",
      .type = OptionType::integer,
      .doc =
          "longest line, in bytes, not counting its \"\\n\" or \"\\r\\n\"; a longer one "
          "fails the source, naming its line number",
      .default_value = OptionValue::of(static_cast<std::int64_t>(LineSource::kDefaultMaxLineBytes)),
      .min = 1,
      .max = 1e9};
}

LineSource::LineSource(std::string path, const Options& options)
    : LineSource(std::move(path), options.has("max_line_bytes")
                                      ? static_cast<std::size_t>(options.get_int("max_line_bytes"))
                                      : kDefaultMaxLineBytes) {}

LineSource::~LineSource() {
  if (fd_ > 0) ::close(fd_);
}

void LineSource::open(Context&) {
  if (path_.empty()) {
    fd_ = 0;
    return;
  }
  if (fd_ > 0) ::close(fd_);
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("cannot open " + path_ + ": " + std::strerror(errno));
  // What was read before a restart is emitted or still in buf_: go on after it.
  if (read_offset_ > 0 && ::lseek(fd_, read_offset_, SEEK_SET) < 0) {
    throw std::runtime_error("cannot seek in " + path_ + ": " + std::strerror(errno));
  }
}

void LineSource::close(Context&) {
  if (fd_ > 0) ::close(fd_);  // never stdin's 0
  if (fd_ != 0) fd_ = -1;
}

std::string LineSource::name() const { return path_.empty() ? std::string("stdin") : path_; }

bool LineSource::emit_line(std::string_view line, Emitter& out, Nanos now) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > max_line_bytes_) {
    too_long_ = true;
    return false;
  }
  Message& m = out.emplace();
  m.seq = ++seq_;
  m.trace_id = trace_ids_.next();
  m.ingest_ns = now;
  m.payload.assign(line);
  return true;
}

std::size_t LineSource::emit_complete_lines(Emitter& out, std::size_t budget, Nanos now) {
  std::size_t n = 0;
  while (n < budget) {
    // Only bytes not searched before: a long line is searched once, not once per read.
    scanned_ = std::max(scanned_, start_);
    const auto nl = buf_.find('\n', scanned_);
    if (nl == std::string::npos) {
      scanned_ = buf_.size();
      // The line so far; one more byte may be the "\r" of its "\r\n".
      if (scanned_ - start_ > max_line_bytes_ + 1) too_long_ = true;
      break;
    }
    if (!emit_line(std::string_view(buf_).substr(start_, nl - start_), out, now)) break;
    start_ = nl + 1;
    ++n;
  }
  return n;
}

SourceStatus LineSource::produce(Emitter& out, Context& ctx, std::size_t budget) {
  const Nanos now = ctx.now();
  std::size_t n = emit_complete_lines(out, budget, now);
  while (n < budget && !eof_ && !too_long_) {
    if (fd_ == 0) {
      pollfd p{0, POLLIN, 0};
      const int ready = ::poll(&p, 1, kStdinPollMs);
      if (ready == 0 || (ready < 0 && errno == EINTR)) return SourceStatus::more;
      if (ready < 0) throw std::runtime_error(std::string("poll stdin: ") + std::strerror(errno));
    }
    // Drop what was emitted (at most one read's worth of bytes moves: the partial line is
    // at the front from then on).
    buf_.erase(0, start_);
    scanned_ -= std::min(scanned_, start_);
    start_ = 0;
    const std::size_t old = buf_.size();
    buf_.resize(old + read_chunk_);  // std::string grows geometrically: amortised linear
    const ssize_t got = ::read(fd_, buf_.data() + old, read_chunk_);
    if (got < 0) {
      buf_.resize(old);
      if (errno == EINTR) continue;
      throw std::runtime_error("read " + name() + ": " + std::strerror(errno));
    }
    buf_.resize(old + static_cast<std::size_t>(got));
    read_offset_ += got;
    if (got == 0) eof_ = true;
    n += emit_complete_lines(out, budget - n, now);
    if (fd_ == 0) break;  // hand over what stdin gave without waiting for more
  }
  // Below budget, emit_complete_lines stopped for want of a newline.
  if (eof_ && !too_long_ && n < budget && start_ < buf_.size() &&
      emit_line(std::string_view(buf_).substr(start_), out, now)) {  // a last line without '\n'
    ++n;
    start_ = buf_.size();
  }
  if (too_long_) {
    // The lines before it go on first; the next call fails with nothing emitted.
    if (n > 0) return SourceStatus::more;
    ctx.add_counter("lines_too_long");
    throw std::runtime_error("line " + std::to_string(seq_ + 1) + " of " + name() +
                             " is longer than max_line_bytes (" + std::to_string(max_line_bytes_) +
                             " bytes)");
  }
  const bool drained = eof_ && start_ >= buf_.size();
  return drained ? SourceStatus::done : SourceStatus::more;
}

}  // namespace sluice::builtins
