#include "builtins/nats/url_check.hpp"

#include <algorithm>

namespace sluice::builtins::nats {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

std::optional<std::string> one_problem(std::string_view url) {
  const std::string quoted = "'" + std::string(url) + "'";
  if (url.empty()) return "an empty server URL (two commas, or one at an end)";
  std::string_view rest = url;
  if (const auto sep = rest.find("://"); sep != std::string_view::npos) {
    const std::string_view scheme = rest.substr(0, sep);
    if (scheme != "nats" && scheme != "tls") {
      return "'" + std::string(scheme) + "' in " + quoted +
             " is not a NATS scheme: use nats:// or tls://";
    }
    rest.remove_prefix(sep + 3);
  }
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::string_view host = rest;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:4222
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return "an unclosed '[' in " + quoted;
    host = rest.substr(1, close - 1);
    rest.remove_prefix(close + 1);
    if (!rest.empty() && rest.front() != ':') return "unexpected text after ']' in " + quoted;
    port = rest.empty() ? rest : rest.substr(1);
    if (host.empty()) return "no host in " + quoted;
  } else {
    if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
      if (port.empty()) return "no port after ':' in " + quoted;
    }
    if (host.empty()) return "no host in " + quoted;
    if (!std::all_of(host.begin(), host.end(), host_char)) {
      return "the host '" + std::string(host) + "' in " + quoted +
             " has characters no host name has";
    }
  }
  if (!port.empty()) {
    long n = 0;
    for (const char c : port) {
      if (c < '0' || c > '9' || n > 65535) return "the port in " + quoted + " is not 1..65535";
      n = n * 10 + (c - '0');
    }
    if (n < 1 || n > 65535) return "the port in " + quoted + " is not 1..65535";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> url_problem(std::string_view urls) {
  if (trim(urls).empty()) return "no server URL";
  for (std::size_t start = 0;;) {
    const auto comma = urls.find(',', start);
    const std::string_view one = trim(urls.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (auto p = one_problem(one)) return p;
    if (comma == std::string_view::npos) return std::nullopt;
    start = comma + 1;
  }
}

std::vector<StageProblem> check_url(const StageView& stage) {
  const OptionValue* url = stage.options.find("url");
  if (url == nullptr) return {};
  if (auto problem = url_problem(url->str)) {
    return {
        {"bad-option", "url", "'url' in stage '" + std::string(stage.name) + "': " + *problem,
         "e.g. url = \"nats://127.0.0.1:4222\"; several servers: \"nats://a:4222,nats://b:4222\""}};
  }
  return {};
}

}  // namespace sluice::builtins::nats
