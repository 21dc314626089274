#include "builtins/http/request_template.hpp"

#include <gtest/gtest.h>

#include "builtins/bad_option.hpp"
#include "sluice/registry.hpp"

namespace sluice::builtins::http {
namespace {

Options options(std::vector<std::pair<std::string, OptionValue>> values) {
  Options o(std::move(values));
  Schema s;
  s.options = request_options({"POST", "GET", "PUT", "PATCH", "DELETE", "HEAD"});
  o.apply_defaults(s);
  return o;
}

Message message(std::string payload, std::uint64_t seq = 1) {
  Message m;
  m.payload = std::move(payload);
  m.seq = seq;
  return m;
}

TEST(HttpUrlTemplate, ProblemsFoundBeforeAnyMessage) {
  EXPECT_EQ(url_template_problem("http://127.0.0.1:8080/x"), std::nullopt);
  EXPECT_EQ(url_template_problem("https://h/items/{payload}"), std::nullopt);
  EXPECT_EQ(url_template_problem("{attrs.url}"), std::nullopt);  // the message says
  EXPECT_EQ(url_template_problem("HTTP://h/{{literal}}"), std::nullopt);
  EXPECT_NE(url_template_problem("ftp://h/{payload}"), std::nullopt);
  EXPECT_NE(url_template_problem("127.0.0.1:8080/x"), std::nullopt);
  EXPECT_NE(url_template_problem("htp//h/{payload}"), std::nullopt);
  EXPECT_NE(url_template_problem("127.0.0.1:8080/{payload}"), std::nullopt);
  EXPECT_EQ(url_template_problem("http{attrs.s}://h/"), std::nullopt);  // http or https
  EXPECT_NE(url_template_problem("http://exa mple.com/"), std::nullopt);
  EXPECT_NE(url_template_problem("http://h:99999/"), std::nullopt);
  EXPECT_NE(url_template_problem(""), std::nullopt);
}

TEST(HttpUrlTemplate, TheFactoryRejectsABadUrlAtItsOption) {
  try {
    RequestTemplate rt(options({{"url", OptionValue::of("gopher://h/{payload}")}}));
    FAIL() << "accepted";
  } catch (const BadOption& e) {
    EXPECT_EQ(e.option(), "url");
    EXPECT_NE(e.message().find("'gopher' is not http or https"), std::string::npos) << e.message();
  }
  OptionValue headers;
  headers.kind = OptionValue::Kind::table;
  headers.table.emplace_back("Bad Name", OptionValue::of("x"));
  EXPECT_THROW(
      RequestTemplate(options({{"url", OptionValue::of("http://h/")}, {"headers", headers}})),
      BadOption);
}

TEST(HttpRequest, RendersUrlHeadersAndBodyFromTheMessage) {
  OptionValue headers;
  headers.kind = OptionValue::Kind::table;
  headers.table.emplace_back("X-Seq", OptionValue::of("n{seq}"));
  headers.table.emplace_back("X-Line", OptionValue::of("{payload}"));
  RequestTemplate rt(options({{"url", OptionValue::of("http://h/items/{payload}")},
                              {"headers", headers},
                              {"method", OptionValue::of("PUT")}}));
  const Request r = rt.render(message("a\r\nInjected: yes", 7));
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(r.url, "http://h/items/a\r\nInjected: yes");  // libcurl rejects it: a permanent error
  EXPECT_EQ(r.headers, (std::vector<std::string>{"X-Seq: n7", "X-Line: a  Injected: yes"}));
  EXPECT_TRUE(r.send_body);
  EXPECT_EQ(r.body, "a\r\nInjected: yes");  // the payload
  EXPECT_EQ(r.max_response_bytes, static_cast<std::size_t>(kDefaultMaxResponseBytes));
}

TEST(HttpRequest, GetSendsNoBodyUnlessOneIsGiven) {
  RequestTemplate get(options(
      {{"url", OptionValue::of("http://h/{payload}")}, {"method", OptionValue::of("GET")}}));
  EXPECT_FALSE(get.render(message("x")).send_body);
  RequestTemplate with_body(options({{"url", OptionValue::of("http://h/")},
                                     {"method", OptionValue::of("GET")},
                                     {"body", OptionValue::of("{{\"q\": \"{payload}\"}}")}}));
  const Request r = with_body.render(message("x"));
  EXPECT_TRUE(r.send_body);
  EXPECT_EQ(r.body, "{\"q\": \"x\"}");
}

}  // namespace
}  // namespace sluice::builtins::http
