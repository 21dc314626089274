#include "stats_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "error_lines.hpp"

namespace sluice::cli {
namespace {

bool fail(const std::string& path, int error) {
  print_error("cannot write stats to '" + path + "': " + std::strerror(error));
  return false;
}

bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

StatsFile::StatsFile(std::string path) : path_(std::move(path)) {}

StatsFile::~StatsFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

bool StatsFile::prepare() {
  if (path_.empty()) return true;
  struct stat st {};
  const bool exists = ::stat(path_.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) return fail(path_, EISDIR);
  if (exists && !S_ISREG(st.st_mode)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0 || !write_all(fd_, "\n")) return fail(path_, errno);
    return true;
  }
  if (exists && ::access(path_.c_str(), W_OK) != 0) return fail(path_, errno);
  // The temporary file is made at the end: a killed run leaves none behind.
  const std::filesystem::path dir = std::filesystem::path(path_).parent_path();
  if (::access(dir.empty() ? "." : dir.c_str(), W_OK | X_OK) != 0) return fail(path_, errno);
  return true;
}

bool StatsFile::write(const Stats& stats) {
  if (path_.empty()) return true;
  std::lock_guard lock(mu_);
  const std::string text = to_json(stats) + "\n";
  if (fd_ >= 0) {  // a special file, opened before the run
    return write_all(fd_, text) || fail(path_, errno);
  }
  const std::filesystem::path target(path_);
  temp_ = (target.parent_path() / ("." + target.filename().string() + ".XXXXXX")).string();
  fd_ = ::mkostemp(temp_.data(), O_CLOEXEC);
  if (fd_ < 0) {
    const int error = errno;
    temp_.clear();
    return fail(path_, error);
  }
  struct stat st {};
  ::fchmod(fd_, ::stat(path_.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644);
  const bool ok =
      write_all(fd_, text) && ::fsync(fd_) == 0 && ::rename(temp_.c_str(), path_.c_str()) == 0;
  const int error = errno;
  ::close(fd_);
  fd_ = -1;
  if (ok) temp_.clear();  // else the destructor removes it
  return ok || fail(path_, error);
}

}  // namespace sluice::cli
