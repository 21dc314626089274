// LineSource: one message per line read from a file descriptor, with a random
// trace id (trace_id.hpp); the file and stdin sources. Runs on the I/O pool (blocking). For stdin
// it polls with a short timeout so that a graceful stop is seen even when no input comes.
//
// Each byte is searched for a newline once, so a line costs time linear in its
// length however many reads it spans, and a line longer than `max_line_bytes`
// (not counting its "\n" or "\r\n") fails the source, naming the line, once
// that many bytes of it have been read: the buffer never holds more than
// max_line_bytes + 1 bytes plus one read.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "sluice/options.hpp"
#include "sluice/stage.hpp"
#include "trace_id.hpp"

namespace sluice::builtins {

/// The `max_line_bytes` option of the sources built on LineSource.
[[nodiscard]] OptionSpec max_line_bytes_option();

class LineSource final : public Source {
 public:
  static constexpr std::size_t kDefaultMaxLineBytes = std::size_t{16} << 20;  // 16 MiB
  static constexpr std::size_t kReadChunk = 64 * 1024;

  /// The source of `path` that `options` (with `max_line_bytes`) describe.
  LineSource(std::string path, const Options& options);
  /// Reads `path`, or standard input when `path` is empty; `read_chunk` is the
  /// most one read() asks for (small in tests, to split lines across reads).
  explicit LineSource(std::string path, std::size_t max_line_bytes = kDefaultMaxLineBytes,
                      std::size_t read_chunk = kReadChunk)
      : path_(std::move(path)), max_line_bytes_(max_line_bytes), read_chunk_(read_chunk) {}
  ~LineSource() override;

  /// Opened again after a close (a restart), it reads on from where it was.
  void open(Context& ctx) override;
  SourceStatus produce(Emitter& out, Context& ctx, std::size_t budget) override;
  void close(Context& ctx) override;

  /// Bytes read and not yet emitted: at most max_line_bytes + 1 + one read.
  [[nodiscard]] std::size_t held_bytes() const noexcept { return buf_.size() - start_; }

 private:
  /// False, emitting nothing, when the line is longer than max_line_bytes.
  bool emit_line(std::string_view line, Emitter& out, Nanos now);
  std::size_t emit_complete_lines(Emitter& out, std::size_t budget, Nanos now);
  [[nodiscard]] std::string name() const;

  std::string path_;
  std::size_t max_line_bytes_;
  std::size_t read_chunk_;
  int fd_{-1};
  off_t read_offset_{0};  ///< bytes read from the file so far
  bool eof_{false};
  bool too_long_{false};  ///< the next line is too long: the source fails
  std::string buf_;
  std::size_t start_{0};    ///< first unread byte of buf_
  std::size_t scanned_{0};  ///< buf_[start_, scanned_) holds no newline
  std::uint64_t seq_{0};
  TraceIds trace_ids_;  ///< each line's random trace id
};

}  // namespace sluice::builtins
