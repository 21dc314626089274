// The http_post sink through the `sluice` binary, against a cpp-httplib
// server this test runs on a free port: batches as JSON arrays and JSON
// lines (with failures retried, each message counted once), single
// requests with their own method, headers and body, and bodies that are not
// UTF-8.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http_e2e.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support
using namespace std::chrono_literals;

TEST_F(HttpE2E, TheSinkPostsBatchesAsJsonArraysAndCountsEachMessageWritten) {
  HttpServer server;
  std::mutex mu;
  std::vector<std::string> bodies;
  std::vector<std::string> types;
  std::atomic<int> requests{0};
  server.http.Post("/ingest", [&](const httplib::Request& req, httplib::Response& res) {
    if (requests.fetch_add(1) % 4 == 1) {
      res.status = 500;
      return;
    }
    std::lock_guard lock(mu);
    bodies.push_back(req.body);
    types.push_back(req.get_header_value("Content-Type"));
    res.status = 204;
  });
  server.start();
  ASSERT_EQ(run_file(replace_all(R"([stages.src]
type = "generate"
count = 95
payload = '{{"n": {seq}}}'
[stages.post]
type = "http_post"
inputs = ["src"]
url = "URL"
batch = 10
format = "json_array"
retry = { max_attempts = 10, initial_backoff = "1ms" }
)",
                                 "URL", server.url("/ingest"))),
            0)
      << err_;
  std::lock_guard lock(mu);
  std::multiset<int> got;
  for (const auto& b : bodies) {
    const auto arr = json::parse(b);
    ASSERT_TRUE(arr.is_array()) << b;
    EXPECT_LE(arr.size(), 10u);
    for (const auto& e : arr) got.insert(e["n"].get<int>());
  }
  EXPECT_EQ(std::set<int>(got.begin(), got.end()).size(), 95u) << "every message posted";
  EXPECT_EQ(got.size(), 95u) << "each once: a failed batch's messages were not posted";
  for (const auto& t : types) EXPECT_EQ(t, "application/json");
  const auto s = stats();
  EXPECT_EQ(u(s["stages"]["post"], "out"), 95u) << "counted written once posted";
  EXPECT_GT(u(s["stages"]["post"], "retries"), 0u);
}

TEST_F(HttpE2E, ABatchBiggerThanMaxInFlightGoesAtItsTimeoutAsJsonLines) {
  HttpServer server;
  std::mutex mu;
  std::vector<std::string> bodies;
  server.http.Post("/lines", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu);
    bodies.push_back(req.get_header_value("Content-Type") + "\n" + req.body);
    res.status = 200;
  });
  server.start();
  ASSERT_EQ(run_file(replace_all(R"([stages.src]
type = "generate"
count = 30
rate = 1000
[stages.post]
type = "http_post"
inputs = ["src"]
url = "URL"
batch = 50
max_in_flight = 8
batch_timeout = "20ms"
)",
                                 "URL", server.url("/lines"))),
            0)
      << err_;
  std::lock_guard lock(mu);
  std::multiset<std::string> got;
  for (const auto& b : bodies) {
    const auto ls = lines(b);
    ASSERT_FALSE(ls.empty());
    EXPECT_EQ(ls[0], "application/x-ndjson");
    EXPECT_LE(ls.size() - 1, 8u) << "at most max_in_flight in a batch";
    got.insert(ls.begin() + 1, ls.end());
  }
  EXPECT_EQ(got.size(), 30u);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), 30u);
  EXPECT_EQ(u(stats()["stages"]["post"], "out"), 30u);
}

TEST_F(HttpE2E, TheSinkPostsEachMessageOnItsOwnByDefault) {
  HttpServer server;
  std::mutex mu;
  std::multiset<std::string> got;
  server.http.Put(R"(/put/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu);
    got.insert(std::string(req.matches[1]) + "=" + req.body + "|" + req.get_header_value("X-Seq"));
    res.status = 200;
  });
  server.start();
  ASSERT_EQ(run_file(replace_all(R"([stages.src]
type = "generate"
count = 30
[stages.post]
type = "http_post"
inputs = ["src"]
method = "PUT"
url = "URL/{seq}"
headers = { X-Seq = "s{seq}" }
body = "v{seq}"
max_in_flight = 8
)",
                                 "URL", server.url("/put"))),
            0)
      << err_;
  std::lock_guard lock(mu);
  EXPECT_EQ(got.size(), 30u);
  EXPECT_EQ(got.count("7=v7|s7"), 1u);
  EXPECT_EQ(u(stats()["stages"]["post"], "out"), 30u);
}

TEST_F(HttpE2E, ABodyThatIsNotUtf8IsSentAsItIsOrAsAJsonString) {
  HttpServer server;
  std::mutex mu;
  std::vector<std::string> bodies;
  server.http.Post("/in", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu);
    bodies.push_back(req.body);
    res.status = 202;
  });
  server.start();
  write("in.txt", "{\"ok\": 1}\nbad \xff\xfe bytes\n");
  ASSERT_EQ(run_file(replace_all(R"([stages.src]
type = "file"
path = "in.txt"
[stages.raw]
type = "http_post"
inputs = ["src"]
url = "URL"
[stages.batched]
type = "http_post"
inputs = ["src"]
url = "URL"
batch = 10
format = "json_array"
)",
                                 "URL", server.url("/in"))),
            0)
      << err_;
  std::lock_guard lock(mu);
  ASSERT_EQ(bodies.size(), 3u);
  std::set<std::string> raw;
  json array;
  for (const auto& b : bodies) {
    if (b.front() == '[') {
      array = json::parse(b);  // valid JSON although one body was not UTF-8
    } else {
      raw.insert(b);
    }
  }
  EXPECT_EQ(raw, (std::set<std::string>{"{\"ok\": 1}", "bad \xff\xfe bytes"}));
  ASSERT_EQ(array.size(), 2u) << array;
  EXPECT_EQ(array[0]["ok"], 1);
  EXPECT_TRUE(array[1].is_string());
  EXPECT_EQ(array[1].get<std::string>().rfind("bad ", 0), 0u);
}
}  // namespace
