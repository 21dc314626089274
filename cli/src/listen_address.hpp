// The HOST:PORT a server of `sluice run` (--metrics) listens on:
//
//   auto a = parse_listen_address("127.0.0.1:9464");   // {"127.0.0.1", 9464}
//   parse_listen_address("[::1]:0");                   // IPv6; port 0: any free port
//   parse_listen_address(":9464");                     // every interface (0.0.0.0)
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace sluice::cli {

struct ListenAddress {
  std::string host;  ///< without the brackets of an IPv6 address
  int port{0};       ///< 0: the system picks a free one
};

/// The address, or why `text` is none (a message naming what is wrong).
[[nodiscard]] std::variant<ListenAddress, std::string> parse_listen_address(std::string_view text);

/// The address a client (`sluice top`, `sluice tap`) connects to for what a
/// run's log line printed: HOST:PORT, optionally after `http://`; an
/// every-interface host is this machine, and port 0 is an error.
[[nodiscard]] std::variant<ListenAddress, std::string> parse_connect_address(std::string_view text);

}  // namespace sluice::cli
