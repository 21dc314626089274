#include "trace_path.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "error_lines.hpp"

namespace sluice::cli {

bool trace_path_is_writable(const std::string& path) {
  if (path.empty()) return true;
  // Opened as the run will open it, less the truncation: a folder, a
  // missing folder or a read-only file fails here.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    print_error("cannot write the trace to '" + path + "': " + std::strerror(errno));
    return false;
  }
  ::close(fd);
  return true;
}

}  // namespace sluice::cli
