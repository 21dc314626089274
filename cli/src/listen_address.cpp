#include "listen_address.hpp"

#include <algorithm>
#include <charconv>

namespace sluice::cli {

std::variant<ListenAddress, std::string> parse_listen_address(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return quoted + " is not HOST:PORT (e.g. 127.0.0.1:9464)";
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return quoted + ": write an IPv6 address in brackets, e.g. [::1]:9464";
  }
  int n = -1;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || n < 0 || n > 65535) {
    return quoted + ": the port must be a number from 0 to 65535";
  }
  if (std::any_of(host.begin(), host.end(), [](char c) { return c == ' ' || c == '/'; })) {
    return quoted + ": '" + std::string(host) + "' is no host name or address";
  }
  return ListenAddress{host.empty() ? std::string("0.0.0.0") : std::string(host), n};
}

std::variant<ListenAddress, std::string> parse_connect_address(std::string_view text) {
  if (text.rfind("http://", 0) == 0) text.remove_prefix(std::string_view("http://").size());
  auto parsed = parse_listen_address(text);
  if (auto* a = std::get_if<ListenAddress>(&parsed)) {
    if (a->host == "0.0.0.0") a->host = "127.0.0.1";
    if (a->host == "::") a->host = "::1";
    if (a->port == 0) return "'" + std::string(text) + "': the port must not be 0";
  }
  return parsed;
}

}  // namespace sluice::cli
