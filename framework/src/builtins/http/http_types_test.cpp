// The http stage and the http_post sink in a C++ graph run by the real
// runtime, against a local cpp-httplib server: the same paths as the
// end-to-end tests, in a process that the sanitizer builds watch (the
// client's thread completes the calls the runtime's threads started).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "builtins/http/test_server.hpp"
#include "builtins/test_graph.hpp"

namespace sluice::builtins::http {
namespace {

using namespace std::chrono_literals;
using testing::CountingSource;
using testing::Kept;

/// A node of built-in type `type` with `set` and the runtime's `node` options.
/// (The DSL adds dead_letter to the ports when on_error asks for it.)
NodeId add_http(Graph& g, const std::string& name, const std::string& type, testing::Set set,
                NodeOptions node) {
  const StageType* t = builtin_registry().find(type, true);
  Options o(std::move(set));
  o.apply_defaults(t->schema);
  std::vector<std::string> ports = t->output_ports(o);
  if (node.on_error == OnError::dead_letter) ports.emplace_back("dead_letter");
  return add_node(g, name, t->make, o, std::move(node), std::move(ports));
}

TEST(HttpTypes, TheStageRetriesServerErrorsAndWritesEachAnswerOnce) {
  TestServer server;
  std::atomic<int> requests{0};
  server.http.Post(R"(/n/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
    if (requests.fetch_add(1) % 5 == 0) {
      res.status = 503;
      return;
    }
    res.set_header("X-N", req.matches[1]);
    res.set_content("answer " + std::string(req.matches[1]), "text/plain");
  });
  server.start();
  Kept out;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(200); });
  auto call =
      add_http(g, "call", "http",
               {{"url", OptionValue::of(server.url("/n/{seq}"))},
                {"response_headers",
                 [] {
                   OptionValue l;
                   l.kind = OptionValue::Kind::list;
                   l.list.push_back(OptionValue::of("x-n"));
                   return l;
                 }()}},
               {.retry = {.max_attempts = 10, .initial_backoff = 1'000'000}, .max_in_flight = 20});
  g.connect(src, call);
  g.connect(call, testing::keep(g, "out", out));
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  ASSERT_EQ(out.size(), 200u);
  std::set<std::string> answers;
  for (const Message& m : out.messages) {
    answers.insert(m.payload);
    EXPECT_EQ(*m.attrs.find("http_status"), "200");
    EXPECT_EQ("answer " + *m.attrs.find("x_n"), m.payload);
  }
  EXPECT_EQ(answers.size(), 200u);
  EXPECT_GE(testing::stage(p, "call").retries, 40u);
}

TEST(HttpTypes, TheStageAbortsACallPastItsTimeout) {
  TestServer server;
  server.http.Post("/hang", [&](const httplib::Request&, httplib::Response& res) {
    server.wait(10s);
    res.set_content("late", "text/plain");
  });
  server.start();
  Kept out, dead;
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(5); });
  auto call = add_http(g, "call", "http", {{"url", OptionValue::of(server.url("/hang"))}},
                       {.on_error = OnError::dead_letter, .timeout = 100'000'000});
  g.connect(src, call);
  g.connect(call, testing::keep(g, "out", out));
  g.connect(call, "dead_letter", testing::keep(g, "dead", dead));
  Pipeline p(std::move(g), {.threads = 2});
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(p.run().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_EQ(out.size(), 0u);
  ASSERT_EQ(dead.size(), 5u);
  EXPECT_NE(dead.messages[0].attrs.find("error")->find("timed out"), std::string::npos);
}

TEST(HttpTypes, TheSinkPostsBatchesAndCountsEachMessageOnce) {
  TestServer server;
  std::mutex mu;
  std::multiset<std::int64_t> got;
  std::atomic<int> requests{0};
  server.http.Post("/in", [&](const httplib::Request& req, httplib::Response& res) {
    if (requests.fetch_add(1) % 3 == 1) {
      res.status = 500;
      return;
    }
    std::lock_guard lock(mu);
    for (const auto& e : nlohmann::json::parse(req.body)) got.insert(e.get<std::int64_t>());
    res.status = 200;
  });
  server.start();
  Graph g;
  auto src = g.add_source("src", [] { return std::make_unique<CountingSource>(95); });
  // The payloads are empty: the body template makes each a JSON number.
  auto post =
      add_http(g, "post", "http_post",
               {{"url", OptionValue::of(server.url("/in"))},
                {"body", OptionValue::of("{seq}")},
                {"batch", OptionValue::of(10)},
                {"format", OptionValue::of("json_array")}},
               {.retry = {.max_attempts = 20, .initial_backoff = 1'000'000}, .max_in_flight = 20});
  g.connect(src, post);
  Pipeline p(std::move(g), {.threads = 2});
  ASSERT_TRUE(p.run().ok());
  std::lock_guard lock(mu);
  EXPECT_EQ(got.size(), 95u);
  EXPECT_EQ(std::set<std::int64_t>(got.begin(), got.end()).size(), 95u);
  EXPECT_EQ(testing::stage(p, "post").out, 95u);
}

}  // namespace
}  // namespace sluice::builtins::http
