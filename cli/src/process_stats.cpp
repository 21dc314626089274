#include "process_stats.hpp"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace sluice::cli {
namespace {

std::string read_file(const char* path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double boot_time() {
  std::istringstream in(read_file("/proc/stat"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return 0;
}

}  // namespace

std::optional<ProcessStats> parse_proc_stat(std::string_view stat, long ticks_per_second,
                                            long page_size, double boot_time) {
  // The command name in parentheses may hold blanks and ')': the fields start
  // after the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  std::vector<std::uint64_t> fields;  // fields[0] is field 4 (ppid) of proc(5)
  std::string_view rest = stat.substr(close + 1);
  bool state_seen = false;
  while (!rest.empty()) {
    const auto start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const auto end = std::min(rest.find_first_of(" \n"), rest.size());
    const std::string_view word = rest.substr(0, end);
    rest.remove_prefix(end);
    if (!rest.empty() && rest.front() == '\n') rest = {};
    if (!state_seen) {  // field 3, a letter
      state_seen = true;
      continue;
    }
    std::int64_t v = 0;  // a few fields may be negative (priority, nice)
    std::from_chars(word.data(), word.data() + word.size(), v);
    fields.push_back(static_cast<std::uint64_t>(v));
  }
  // proc(5): utime 14, stime 15, num_threads 20, starttime 22, vsize 23, rss 24.
  auto field = [&](std::size_t n) { return fields[n - 4]; };
  if (fields.size() < 24 - 3) return std::nullopt;
  ProcessStats p;
  const auto ticks = static_cast<double>(ticks_per_second);
  p.cpu_seconds = static_cast<double>(field(14) + field(15)) / ticks;
  p.threads = field(20);
  p.start_time_seconds = boot_time + static_cast<double>(field(22)) / ticks;
  p.virtual_bytes = field(23);
  p.resident_bytes = field(24) * static_cast<std::uint64_t>(page_size);
  return p;
}

std::optional<ProcessStats> read_process_stats() {
  const std::string stat = read_file("/proc/self/stat");
  if (stat.empty()) return std::nullopt;
  static const double boot = boot_time();
  return parse_proc_stat(stat, ::sysconf(_SC_CLK_TCK), ::sysconf(_SC_PAGESIZE), boot);
}

}  // namespace sluice::cli
