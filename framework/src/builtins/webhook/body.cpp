#include "builtins/webhook/body.hpp"

namespace sluice::builtins::webhook {
namespace {

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // W3C Trace Context allows lower-case hex only
}

bool all_hex(std::string_view s) noexcept {
  for (char c : s) {
    if (hex_digit(c) < 0) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string_view> split_body(std::string_view body, bool lines) {
  std::vector<std::string_view> out;
  if (!lines) {
    if (!body.empty()) out.push_back(body);
    return out;
  }
  while (!body.empty()) {
    const std::size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::uint64_t trace_id_of(std::string_view tp) noexcept {
  // version "-" trace-id "-" parent-id "-" flags; a later version may append
  // fields after the flags, so only the first 55 characters are read.
  if (tp.size() < 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-') return 0;
  const std::string_view version = tp.substr(0, 2), trace = tp.substr(3, 32);
  if (!all_hex(version) || version == "ff" || !all_hex(trace) || !all_hex(tp.substr(36, 16)) ||
      !all_hex(tp.substr(53, 2))) {
    return 0;
  }
  if (trace.find_first_not_of('0') == std::string_view::npos) return 0;
  std::uint64_t low = 0;
  for (char c : trace.substr(16)) low = (low << 4) | static_cast<std::uint64_t>(hex_digit(c));
  return low & ((std::uint64_t{1} << 53) - 1);
}

std::string lower(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace sluice::builtins::webhook
