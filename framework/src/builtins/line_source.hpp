// LineSource: one message per line read from a file descriptor; the file and
// stdin sources. Runs on the I/O pool (blocking). For stdin it polls with a
// short timeout so that a graceful stop is seen even when no input comes.
#pragma once

#include <string>

#include "sluice/stage.hpp"

namespace sluice::builtins {

class LineSource final : public Source {
 public:
  /// Reads `path`, or standard input when `path` is empty.
  explicit LineSource(std::string path) : path_(std::move(path)) {}
  ~LineSource() override;

  void open(Context& ctx) override;
  SourceStatus produce(Emitter& out, Context& ctx, std::size_t budget) override;

 private:
  void emit_line(std::string_view line, Emitter& out, Nanos now);
  std::size_t emit_complete_lines(Emitter& out, std::size_t budget, Nanos now);

  std::string path_;
  int fd_{-1};
  bool eof_{false};
  std::string buf_;
  std::size_t start_{0};  ///< first unread byte of buf_
  std::uint64_t seq_{0};
};

}  // namespace sluice::builtins
