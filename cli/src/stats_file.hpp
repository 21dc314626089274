// The `--stats-json` file: checked before the run, written once at its end,
// and never left empty or half-written. A regular file (or a new one) is
// written to a temporary file beside it and renamed over it, so a reader
// and a crash only ever see the old stats or the new; before the run only
// the folder and the file are checked, so a killed run leaves no temporary
// file. Anything else
// (/dev/stderr, a FIFO, a device) is opened before the run, and its first
// byte, a newline (JSON allows it), is written then: a target that takes
// no bytes (/dev/full) fails now, not after an hour of running.
#pragma once

#include <mutex>
#include <string>

#include "sluice/stats.hpp"

namespace sluice::cli {

class StatsFile {
 public:
  /// An empty path: no stats file, and every call succeeds.
  explicit StatsFile(std::string path);
  ~StatsFile();
  StatsFile(const StatsFile&) = delete;
  StatsFile& operator=(const StatsFile&) = delete;

  /// Before the run: whether the stats can be written; else prints why.
  [[nodiscard]] bool prepare();
  /// At the end (also from the signal watcher's last resort); prints why not.
  bool write(const Stats& stats);

 private:
  std::mutex mu_;  ///< the signal watcher's last resort may race the end of the run
  std::string path_;
  std::string temp_;  ///< regular files: while written, the file renamed over path_
  int fd_{-1};        ///< a special file, open from prepare() on
};

}  // namespace sluice::cli
