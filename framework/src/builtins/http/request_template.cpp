#include "builtins/http/request_template.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

#include "builtins/bad_option.hpp"
#include "builtins/template_option.hpp"

namespace sluice::builtins::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// A header value may come from a message: a line break in it would start
/// another header (or the body), so it becomes a space.
void one_line(std::string& s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
}

bool header_name_ok(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

/// The template's text before its first `{expr}`, braces unescaped, and
/// whether that is all of it.
std::pair<std::string, bool> literal_start(std::string_view source) {
  std::string out;
  for (std::size_t i = 0; i < source.size(); ++i) {
    const char c = source[i];
    if ((c == '{' || c == '}') && i + 1 < source.size() && source[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c == '{') return {out, false};
    out += c;
  }
  return {out, true};
}

bool sends_body(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

}  // namespace

std::optional<std::string> url_template_problem(std::string_view source) {
  const auto [start, constant] = literal_start(source);
  const auto sep = start.find("://");
  if (sep != std::string::npos) {
    const std::string scheme = lower(start.substr(0, sep));
    if (scheme != "http" && scheme != "https") {
      return "the scheme '" + scheme + "' is not http or https";
    }
  } else if (constant || !(std::string_view("https://").starts_with(lower(start)) ||
                           std::string_view("http://").starts_with(lower(start)))) {
    // What comes first is written out: it must begin the scheme. A template
    // that begins with an expression ("{attrs.url}") is the message's to get right.
    return "'" + start + "' does not start with http:// or https://";
  }
  if (!constant) return std::nullopt;  // the rest depends on the message
  CURLU* u = curl_url();
  const CURLUcode rc = curl_url_set(u, CURLUPART_URL, start.c_str(), 0);
  curl_url_cleanup(u);
  if (rc != CURLUE_OK) return "'" + start + "' is not a URL: " + curl_url_strerror(rc);
  return std::nullopt;
}

std::vector<OptionSpec> request_options(std::vector<std::string> methods) {
  const std::string first = methods.front();
  return {
      {.name = "url",
       .type = OptionType::template_,
       .doc = "the URL (a template), http:// or https://",
       .required = true},
      {.name = "method",
       .type = OptionType::string,
       .doc = "the HTTP method",
       .default_value = OptionValue::of(first),
       .choices = std::move(methods)},
      {.name = "headers", .type = OptionType::table, .doc = "request headers: { NAME = template }"},
      {.name = "body",
       .type = OptionType::template_,
       .doc = "request body (a template); default: the payload (none for GET and HEAD)"},
      {.name = "insecure",
       .type = OptionType::boolean,
       .doc = "skip TLS certificate and host name verification",
       .default_value = OptionValue::of(false)},
      {.name = "ca_file",
       .type = OptionType::string,
       .doc = "CA certificates (PEM) to verify the server with; default: the system's"},
      {.name = "connect_timeout",
       .type = OptionType::duration,
       .doc = "how long connecting may take (the common `timeout` bounds the whole call)",
       .default_value = OptionValue::duration(10 * kNanosPerSecond),
       .min = 0.001},
      {.name = "max_response_bytes",
       .type = OptionType::integer,
       .doc = "a longer response body fails the call (permanent)",
       .default_value = OptionValue::of(kDefaultMaxResponseBytes),
       .min = 1,
       .max = static_cast<double>(1LL << 32)},
  };
}

RequestTemplate::RequestTemplate(const Options& o) : url_(compile_template(o, "url")) {
  if (auto problem = url_template_problem(url_.source())) {
    throw BadOption("url", "'url': " + *problem, 0,
                    "e.g. url = \"http://127.0.0.1:8080/lookup/{payload}\"");
  }
  base_.method = o.get_string("method");
  method_sends_body_ = sends_body(base_.method);
  if (const OptionValue* h = o.find("headers")) {
    for (const auto& [name, value] : h->table) {
      const std::string option = "headers." + name;
      if (!header_name_ok(name)) {
        throw BadOption(option, "'" + option + "': '" + name + "' is not a header name");
      }
      if (value.kind != OptionValue::Kind::string) {
        throw BadOption(option, "'" + option + "' must be a template string, not " +
                                    std::string(kind_name(value.kind)));
      }
      headers_.emplace_back(name, compile_template(value.str, option));
    }
  }
  if (o.has("body")) {
    body_ = compile_template(o, "body");
    method_sends_body_ = base_.method != "HEAD";
  }
  base_.insecure = o.get_bool("insecure");
  if (o.has("ca_file")) base_.ca_file = o.get_string("ca_file");
  base_.connect_timeout = o.get_duration("connect_timeout");
  base_.max_response_bytes = static_cast<std::size_t>(o.get_int("max_response_bytes"));
  if (const OptionValue* keep = o.find("response_headers")) {
    for (std::size_t i = 0; i < keep->list.size(); ++i) {
      const OptionValue& v = keep->list[i];
      const std::string option = "response_headers[" + std::to_string(i) + "]";
      if (v.kind != OptionValue::Kind::string || !header_name_ok(v.str)) {
        throw BadOption(option, "'" + option + "' must be a header name such as \"content-type\"");
      }
      base_.keep_headers.push_back(lower(v.str));
    }
  }
}

Request RequestTemplate::render(const Message& m) const {
  if (!method_sends_body_) {
    Request r = render_with_body(m, {});
    r.send_body = false;
    return r;
  }
  return render_with_body(m, body_of(m));
}

Request RequestTemplate::render_with_body(const Message& first, std::string body) const {
  Request r = base_;
  r.url = url_.render(first);
  r.headers.reserve(headers_.size());
  for (const auto& [name, value] : headers_) {
    std::string line = name + ": ";
    value.render(first, line);
    one_line(line);
    r.headers.push_back(std::move(line));
  }
  r.body = std::move(body);
  r.send_body = true;
  return r;
}

std::string RequestTemplate::body_of(const Message& m) const {
  return body_ ? body_->render(m) : m.payload;
}

bool RequestTemplate::has_header(std::string_view name) const {
  const std::string want = lower(name);
  return std::any_of(headers_.begin(), headers_.end(),
                     [&](const auto& h) { return lower(h.first) == want; });
}

}  // namespace sluice::builtins::http
