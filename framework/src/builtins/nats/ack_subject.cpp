#include "builtins/nats/ack_subject.hpp"

#include <array>
#include <charconv>
#include <cstddef>
#include <system_error>

namespace sluice::builtins::nats {
namespace {

/// A whole token as an unsigned decimal number: no sign, no trailing text.
bool number(std::string_view t, std::uint64_t& v) noexcept {
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  return ec == std::errc() && p == t.data() + t.size();
}

}  // namespace

std::optional<AckSubject> parse_ack_subject(std::string_view reply) noexcept {
  // At most 12 tokens; a longer subject keeps the rest in the last one, which
  // is never read (room for what a later server appends).
  std::array<std::string_view, 12> tokens;
  std::size_t n = 0;
  std::string_view rest = reply;
  while (n < tokens.size()) {
    const auto dot = rest.find('.');
    tokens[n++] = rest.substr(0, dot);
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (n < 9 || tokens[0] != "$JS" || tokens[1] != "ACK") return std::nullopt;
  if (n != 9 && n < 11) return std::nullopt;
  const std::size_t at = n == 9 ? 4 : 6;  // delivered, then the stream sequence
  AckSubject a;
  if (!number(tokens[at], a.delivered) || !number(tokens[at + 1], a.stream_seq)) {
    return std::nullopt;
  }
  return a;
}

}  // namespace sluice::builtins::nats
