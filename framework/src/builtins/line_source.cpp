#include "builtins/line_source.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace sluice::builtins {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
/// How long one produce() waits for stdin before giving the runtime a chance
/// to stop it; the wait happens on the I/O pool, never on the arena.
constexpr int kStdinPollMs = 100;

}  // namespace

LineSource::~LineSource() {
  if (fd_ > 0) ::close(fd_);
}

void LineSource::open(Context&) {
  if (path_.empty()) {
    fd_ = 0;
    return;
  }
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("cannot open " + path_ + ": " + std::strerror(errno));
}

void LineSource::emit_line(std::string_view line, Emitter& out, Nanos now) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  Message m;
  m.seq = ++seq_;
  m.ingest_ns = now;
  m.payload.assign(line);
  out.emit(std::move(m));
}

std::size_t LineSource::emit_complete_lines(Emitter& out, std::size_t budget, Nanos now) {
  std::size_t n = 0;
  while (n < budget) {
    const auto nl = buf_.find('\n', start_);
    if (nl == std::string::npos) break;
    emit_line(std::string_view(buf_).substr(start_, nl - start_), out, now);
    start_ = nl + 1;
    ++n;
  }
  return n;
}

SourceStatus LineSource::produce(Emitter& out, Context& ctx, std::size_t budget) {
  const Nanos now = ctx.now();
  std::size_t n = emit_complete_lines(out, budget, now);
  while (n < budget && !eof_) {
    if (fd_ == 0) {
      pollfd p{0, POLLIN, 0};
      const int ready = ::poll(&p, 1, kStdinPollMs);
      if (ready == 0 || (ready < 0 && errno == EINTR)) return SourceStatus::more;
      if (ready < 0) throw std::runtime_error(std::string("poll stdin: ") + std::strerror(errno));
    }
    buf_.erase(0, start_);
    start_ = 0;
    const std::size_t old = buf_.size();
    buf_.resize(old + kReadChunk);
    const ssize_t got = ::read(fd_, buf_.data() + old, kReadChunk);
    if (got < 0) {
      buf_.resize(old);
      if (errno == EINTR) continue;
      throw std::runtime_error("read " + (path_.empty() ? std::string("stdin") : path_) + ": " +
                               std::strerror(errno));
    }
    buf_.resize(old + static_cast<std::size_t>(got));
    if (got == 0) eof_ = true;
    n += emit_complete_lines(out, budget - n, now);
    if (fd_ == 0) break;  // hand over what stdin gave without waiting for more
  }
  if (eof_ && n < budget && start_ < buf_.size()) {  // a last line without '\n'
    emit_line(std::string_view(buf_).substr(start_), out, now);
    start_ = buf_.size();
  }
  const bool drained =
      eof_ && buf_.find('\n', start_) == std::string::npos && start_ >= buf_.size();
  return drained ? SourceStatus::done : SourceStatus::more;
}

}  // namespace sluice::builtins
