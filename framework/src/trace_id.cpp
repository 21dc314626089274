#include "trace_id.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <random>

namespace sluice::builtins {
namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_hex(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

bool is_decimal(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// The low 64 bits of 1 to 32 hex digits.
std::uint64_t low_64_of_hex(std::string_view hex) noexcept {
  if (hex.size() > 16) hex.remove_prefix(hex.size() - 16);
  std::uint64_t v = 0;
  std::from_chars(hex.data(), hex.data() + hex.size(), v, 16);
  return v;
}

std::optional<std::uint64_t> non_zero(std::uint64_t v) noexcept {
  v &= kMaxTraceId;
  if (v == 0) return std::nullopt;
  return v;
}

}  // namespace

TraceIds::TraceIds() : rng_(0) {
  static std::atomic<std::uint64_t> instances{0};
  std::random_device rd;
  const std::uint64_t seed = (std::uint64_t{rd()} << 32) ^ rd();
  // Stirred with a counter: a random_device that repeats itself (some
  // containers) still gives each instance its own sequence.
  rng_.seed(seed ^ (instances.fetch_add(1, std::memory_order_relaxed) * 0x9e3779b97f4a7c15ULL));
}

std::uint64_t derived_trace_id(std::uint64_t salt, std::uint64_t n) noexcept {
  SplitMix64 mix(salt ^ (n * 0xd1b54a32d192ed03ULL));
  for (;;) {
    if (const std::uint64_t id = mix.next() & kMaxTraceId; id != 0) return id;
  }
}

std::uint64_t stable_hash(std::string_view text) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::optional<std::uint64_t> parse_trace_id(std::string_view text) noexcept {
  text = trim(text);
  if (is_decimal(text)) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc()) return std::nullopt;  // past 2^64
    return non_zero(v);
  }
  // traceparent: version "-" trace-id "-" parent-id "-" flags.
  if (text.size() >= 55 && text[2] == '-' && text[35] == '-' && text[52] == '-') {
    const std::string_view trace = text.substr(3, 32);
    if (!is_hex(text.substr(0, 2)) || !is_hex(trace)) return std::nullopt;
    return non_zero(low_64_of_hex(trace));
  }
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    text.remove_prefix(2);
  if (text.size() > 32 || !is_hex(text)) return std::nullopt;
  return non_zero(low_64_of_hex(text));
}

}  // namespace sluice::builtins
