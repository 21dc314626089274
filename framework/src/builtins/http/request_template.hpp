// The request options the http stage and the http_post sink share (method,
// url, headers, body, TLS, limits), compiled once and rendered per message.
// `url`, the values of `headers` and `body` are templates; a URL template
// whose literal start names a scheme other than http(s), or a constant URL
// libcurl cannot parse, is a BadOption at `url` (so `sluice check` reports
// it); a URL that only a message makes bad fails that message (permanent).
//
//   RequestTemplate rt(options, "POST");
//   http::Request r = rt.render(message);  // url, headers and body of this message
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "builtins/http/client.hpp"
#include "expr/expression.hpp"
#include "sluice/message.hpp"
#include "sluice/options.hpp"

namespace sluice::builtins::http {

/// The schema entries both types take; `methods` are the allowed methods,
/// the first the default.
[[nodiscard]] std::vector<OptionSpec> request_options(std::vector<std::string> methods);

/// Default of `max_response_bytes`: 10 MiB.
inline constexpr std::int64_t kDefaultMaxResponseBytes = 10LL << 20;

class RequestTemplate {
 public:
  /// Throws BadOption for a bad url, header or body template.
  explicit RequestTemplate(const Options& o);

  /// The request for `m`: url and headers rendered from it, and its body (the
  /// `body` template, else the payload) when the method sends one.
  [[nodiscard]] Request render(const Message& m) const;
  /// The request for a batch whose body is already made: url and headers
  /// rendered from `first`, the batch's first message.
  [[nodiscard]] Request render_with_body(const Message& first, std::string body) const;
  /// The body of `m` alone (the `body` template, else the payload).
  [[nodiscard]] std::string body_of(const Message& m) const;
  /// Whether the headers name one (case-insensitive).
  [[nodiscard]] bool has_header(std::string_view name) const;
  [[nodiscard]] const std::string& method() const noexcept { return base_.method; }

 private:
  Request base_;  ///< method, TLS, limits, kept headers: the same for every request
  expr::Template url_;
  std::vector<std::pair<std::string, expr::Template>> headers_;
  std::optional<expr::Template> body_;
  bool method_sends_body_{true};
};

/// What is wrong with a URL template as written, or nothing (see the header
/// comment); `source` is the template's text.
[[nodiscard]] std::optional<std::string> url_template_problem(std::string_view source);

}  // namespace sluice::builtins::http
