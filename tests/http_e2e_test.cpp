// The http stage through the `sluice` binary, against a cpp-httplib server
// this test runs on a free port: slow answers, 503s under retry, 429 with
// Retry-After, a refused connection and a server killed mid-run under a
// breaker, a server that comes back, 404s and oversized answers to the dead
// letters, timeouts, a bad URL at check time, and the pipelines/http sample.
#include "http_e2e.hpp"

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

namespace {

using namespace sluice_e2e;  // NOLINT: test support
using namespace std::chrono_literals;

TEST_F(HttpE2E, AThousandSlowCallsRunAHundredAtATimeOnAFewThreads) {
  HttpServer server;
  std::atomic<int> open{0}, most{0};
  server.http.Post("/slow", [&](const httplib::Request& req, httplib::Response& res) {
    const int now = open.fetch_add(1) + 1;
    for (int m = most.load(); now > m && !most.compare_exchange_weak(m, now);) {
    }
    server.wait(50ms);
    open.fetch_sub(1);
    res.set_content("answer " + req.body, "text/plain");
  });
  server.start();
  ASSERT_EQ(run_file(replace_all(R"([pipeline]
threads = 2
[stages.src]
type = "generate"
count = 1000
[stages.call]
type = "http"
inputs = ["src"]
url = "URL"
max_in_flight = 100
[stages.out]
type = "file"
inputs = ["call"]
path = "out.txt"
)",
                                 "URL", server.url("/slow"))),
            0)
      << err_;
  const auto out = lines(read(dir_ / "out.txt"));
  ASSERT_EQ(out.size(), 1000u);
  const std::set<std::string> unique(out.begin(), out.end());
  EXPECT_EQ(unique.size(), 1000u) << "an answer written twice";
  for (int seq : {1, 500, 1000}) EXPECT_TRUE(unique.count("answer " + std::to_string(seq))) << seq;
  EXPECT_EQ(most.load(), 100) << "max_in_flight calls open at once";
  // 10 rounds of 50 ms: about 0.5 s of waiting. The run must take under
  // 1.5 s; the process, with its start and end, is given more room, as this
  // machine may be busy with other work (the server runs in this process).
  const auto s = stats();
  EXPECT_LT(s["elapsed_s"].get<double>(), 1.5);
  EXPECT_LT(took_, 2500ms);
  std::cout << "1000 calls: run " << s["elapsed_s"].get<double>() << " s, process "
            << std::chrono::duration<double>(took_).count() << " s (" << cpu_ << " s of CPU), "
            << "peak threads " << peak_threads_ << "\n";
  EXPECT_LE(peak_threads_, 2 + 8) << "threads = 2 plus a few: no thread per call";
  EXPECT_EQ(u(s["stages"]["call"], "in"), 1000u);
  EXPECT_EQ(u(s["stages"]["call"], "out"), 1000u);
}

TEST_F(HttpE2E, ServerErrorsAreRetriedAndEveryMessageIsWrittenOnce) {
  HttpServer server;
  std::atomic<int> requests{0}, failed{0};
  server.http.Post("/flaky", [&](const httplib::Request& req, httplib::Response& res) {
    if (requests.fetch_add(1) % 5 == 0) {  // 20% of the calls
      failed.fetch_add(1);
      res.status = 503;
      res.set_content("busy", "text/plain");
      return;
    }
    res.set_content("ok " + req.body, "text/plain");
  });
  server.start();
  ASSERT_EQ(run_file(replace_all(R"([pipeline]
threads = 2
[stages.src]
type = "generate"
count = 1000
[stages.call]
type = "http"
inputs = ["src"]
url = "URL"
max_in_flight = 100
retry = { max_attempts = 10, initial_backoff = "2ms", max_backoff = "20ms" }
[stages.out]
type = "file"
inputs = ["call"]
path = "out.txt"
)",
                                 "URL", server.url("/flaky"))),
            0)
      << err_;
  const auto out = lines(read(dir_ / "out.txt"));
  EXPECT_EQ(out.size(), 1000u);
  EXPECT_EQ(std::set<std::string>(out.begin(), out.end()).size(), 1000u);
  const auto s = stats();
  EXPECT_EQ(u(s["stages"]["call"], "retries"), static_cast<std::uint64_t>(failed.load()));
  EXPECT_GE(failed.load(), 200);
}

TEST_F(HttpE2E, TooManyRequestsWaitsTheServersRetryAfter) {
  HttpServer server;
  std::mutex mu;
  std::map<std::string, std::vector<std::chrono::steady_clock::time_point>> seen;
  server.http.Post("/limited", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu);
    auto& times = seen[req.body];
    times.push_back(std::chrono::steady_clock::now());
    if (times.size() == 1) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      res.set_content("slow down", "text/plain");
      return;
    }
    res.set_content("ok " + req.body, "text/plain");
  });
  server.start();
  ASSERT_EQ(run_file(replace_all(R"([stages.src]
type = "generate"
count = 5
[stages.call]
type = "http"
inputs = ["src"]
url = "URL"
retry = { max_attempts = 3, initial_backoff = "1ms" }
[stages.out]
type = "file"
inputs = ["call"]
path = "out.txt"
)",
                                 "URL", server.url("/limited"))),
            0)
      << err_;
  EXPECT_EQ(lines(read(dir_ / "out.txt")).size(), 5u);
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 5u);
  for (const auto& [body, times] : seen) {
    ASSERT_EQ(times.size(), 2u) << body;
    EXPECT_GE(times[1] - times[0], 950ms) << body << ": the backoff was 1 ms, Retry-After 1 s";
  }
}

TEST_F(HttpE2E, ARefusedConnectionWithABreakerLosesNothing) {
  int port = 0;
  {
    HttpServer gone;
    gone.start();
    port = gone.port();
  }  // nothing listens there now
  ASSERT_EQ(run_file(replace_all(R"([pipeline]
threads = 2
[stages.src]
type = "generate"
count = 1000
[stages.call]
type = "http"
inputs = ["src"]
url = "URL"
max_in_flight = 50
circuit_breaker = { failure_rate = 0.5, window = 20, min_calls = 20, open_for = "1h" }
on_error = "dead_letter"
[stages.good]
type = "file"
inputs = ["call"]
path = "good.txt"
[stages.failed]
type = "file"
inputs = ["call.dead_letter"]
path = "failed.jsonl"
format = "json"
[stages.rejected]
type = "file"
inputs = ["call.rejected"]
path = "rejected.jsonl"
format = "json"
)",
                                 "URL", "http://127.0.0.1:" + std::to_string(port) + "/x")),
            0)
      << err_;
  const auto s = stats();
  const auto& call = s["stages"]["call"];
  const auto failed = lines(read(dir_ / "failed.jsonl"));
  const auto rejected = lines(read(dir_ / "rejected.jsonl"));
  const auto good = lines(read(dir_ / "good.txt"));
  EXPECT_EQ(good.size() + failed.size() + rejected.size(), 1000u);
  EXPECT_EQ(u(call, "in"), u(call, "out") + u(call, "rejected") + u(call, "dead_letter"));
  EXPECT_GT(rejected.size(), 800u) << "the breaker should have opened early";
  ASSERT_FALSE(failed.empty());
  const auto m = json::parse(failed.front());
  EXPECT_NE(m["attrs"]["error"].get<std::string>().find("127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << m;
  EXPECT_EQ(m["attrs"]["attempts"], "1");
  EXPECT_EQ(json::parse(rejected.front())["attrs"]["error"], "circuit breaker 'call' is open");
}

TEST_F(HttpE2E, AServerKilledMidRunWithABreakerLosesNothing) {
  auto server = std::make_unique<HttpServer>();
  std::atomic<int> answered{0};
  server->http.Post("/svc", [&](const httplib::Request& req, httplib::Response& res) {
    answered.fetch_add(1);
    res.set_content("ok " + req.body, "text/plain");
  });
  server->start();
  const std::string url = server->url("/svc");
  std::thread killer([&] {
    while (answered.load() < 300) std::this_thread::sleep_for(1ms);
    server->stop();
  });
  const int code = run_file(replace_all(R"([pipeline]
threads = 2
[stages.src]
type = "generate"
count = 1000
rate = 2000
[stages.call]
type = "http"
inputs = ["src"]
url = "URL"
max_in_flight = 50
timeout = "2s"
retry = { max_attempts = 2, initial_backoff = "1ms" }
circuit_breaker = { failure_rate = 0.5, window = 20, min_calls = 20, open_for = "1h" }
on_error = "dead_letter"
[stages.good]
type = "file"
inputs = ["call"]
path = "good.txt"
[stages.failed]
type = "file"
inputs = ["call.dead_letter", "call.rejected"]
path = "failed.jsonl"
format = "json"
)",
                                        "URL", url));
  killer.join();
  ASSERT_EQ(code, 0) << err_;
  const auto good = lines(read(dir_ / "good.txt"));
  const auto failed = lines(read(dir_ / "failed.jsonl"));
  EXPECT_EQ(good.size() + failed.size(), 1000u);
  EXPECT_GE(good.size(), 300u);
  EXPECT_EQ(std::set<std::string>(good.begin(), good.end()).size(), good.size());
  const auto s = stats();
  const auto& call = s["stages"]["call"];
  EXPECT_EQ(u(call, "in"), 1000u);
  EXPECT_EQ(u(call, "out") + u(call, "rejected") + u(call, "dead_letter"), 1000u);
  EXPECT_GT(u(call, "rejected"), 0u) << "the breaker opened";
}

TEST_F(HttpE2E, AServerThatComesBackGetsEveryMessageUnderRetry) {
  auto server = std::make_unique<HttpServer>();
  std::atomic<int> answered{0};
  const auto handler = [&](const httplib::Request& req, httplib::Response& res) {
    answered.fetch_add(1);
    res.set_content("ok " + req.body, "text/plain");
  };
  server->http.Post("/svc", handler);
  server->start();
  const int port = server->port();
  std::thread outage([&] {
    while (answered.load() < 100) std::this_thread::sleep_for(1ms);
    server->stop();
    std::this_thread::sleep_for(300ms);
    server = std::make_unique<HttpServer>();
    server->http.Post("/svc", handler);
    server->start(port);
  });
  const int code =
      run_file(replace_all(R"([pipeline]
threads = 2
[stages.src]
type = "generate"
count = 400
rate = 1000
[stages.call]
type = "http"
inputs = ["src"]
url = "URL"
max_in_flight = 20
retry = { max_attempts = 30, initial_backoff = "10ms", max_backoff = "100ms" }
[stages.out]
type = "file"
inputs = ["call"]
path = "out.txt"
)",
                           "URL", "http://127.0.0.1:" + std::to_string(port) + "/svc"));
  outage.join();
  ASSERT_EQ(code, 0) << err_;
  ASSERT_NE(server->port(), -1) << "the port was taken meanwhile";
  const auto out = lines(read(dir_ / "out.txt"));
  EXPECT_EQ(out.size(), 400u);
  EXPECT_EQ(std::set<std::string>(out.begin(), out.end()).size(), 400u);
  EXPECT_GT(u(stats()["stages"]["call"], "retries"), 0u) << "the outage was seen";
}

TEST_F(HttpE2E, ClientErrorsGoToTheDeadLettersAndAnswersCarryStatusAndHeaders) {
  HttpServer server;
  server.http.Get(R"(/items/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
    const int n = std::stoi(req.matches[1]);
    if (n % 4 == 0) {
      res.status = 404;
      res.set_content("no item " + std::to_string(n) + std::string(300, '.'), "text/plain");
      return;
    }
    res.set_header("X-Shard", std::to_string(n % 3));
    res.set_content("{\"item\": " + std::to_string(n) + "}", "application/json");
  });
  server.start();
  ASSERT_EQ(run_file(replace_all(R"([stages.src]
type = "generate"
count = 20
[stages.call]
type = "http"
inputs = ["src"]
method = "GET"
url = "URL/{seq}"
response_headers = ["Content-Type", "x-shard"]
retry = { max_attempts = 3, initial_backoff = "1ms" }
on_error = "dead_letter"
[stages.good]
type = "file"
inputs = ["call"]
path = "good.jsonl"
format = "json"
[stages.failed]
type = "file"
inputs = ["call.dead_letter"]
path = "failed.jsonl"
format = "json"
)",
                                 "URL", server.url("/items"))),
            0)
      << err_;
  const auto good = lines(read(dir_ / "good.jsonl"));
  const auto failed = lines(read(dir_ / "failed.jsonl"));
  ASSERT_EQ(good.size(), 15u);
  ASSERT_EQ(failed.size(), 5u);
  const auto g = json::parse(good.front());
  EXPECT_EQ(g["attrs"]["http_status"], "200");
  EXPECT_EQ(g["attrs"]["content_type"], "application/json");
  EXPECT_TRUE(g["attrs"].contains("x_shard")) << g;
  EXPECT_EQ(g["payload"].get<std::string>().rfind("{\"item\": ", 0), 0u) << g;
  const auto f = json::parse(failed.front());
  const std::string error = f["attrs"]["error"];
  EXPECT_EQ(error.rfind("HTTP 404: no item ", 0), 0u) << error;
  EXPECT_EQ(error.size(), std::string("HTTP 404: ").size() + 200) << "the first 200 bytes";
  EXPECT_EQ(f["attrs"]["attempts"], "1") << "a 404 is not retried";
}

TEST_F(HttpE2E, AResponseOverMaxResponseBytesIsAPermanentError) {
  HttpServer server;
  const std::string big(50 << 20, 'x');
  server.http.Get("/true", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(big, "text/plain");
  });
  server.http.Get("/false", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("small", "text/plain");
  });
  server.start();
  ASSERT_EQ(run_file(replace_all(R"([stages.src]
type = "generate"
count = 4
[stages.call]
type = "http"
inputs = ["src"]
method = "GET"
url = "URL/{seq % 2 == 0}"
retry = { max_attempts = 3, initial_backoff = "1ms" }
on_error = "dead_letter"
[stages.good]
type = "file"
inputs = ["call"]
path = "good.txt"
[stages.failed]
type = "file"
inputs = ["call.dead_letter"]
path = "failed.jsonl"
format = "json"
)",
                                 "URL", server.url(""))),
            0)
      << err_;
  EXPECT_EQ(lines(read(dir_ / "good.txt")), (std::vector<std::string>{"small", "small"}));
  const auto failed = lines(read(dir_ / "failed.jsonl"));
  ASSERT_EQ(failed.size(), 2u);
  const auto m = json::parse(failed[0]);
  EXPECT_EQ(
      (std::set<std::string>{json::parse(failed[0])["payload"], json::parse(failed[1])["payload"]}),
      (std::set<std::string>{"2", "4"}));
  EXPECT_NE(m["attrs"]["error"].get<std::string>().find("larger than max_response_bytes"),
            std::string::npos)
      << m;
  EXPECT_EQ(m["attrs"]["attempts"], "1");
}

TEST_F(HttpE2E, ACallPastItsTimeoutIsAbortedAndRetried) {
  HttpServer server;
  std::atomic<int> calls{0};
  server.http.Post("/hang", [&](const httplib::Request& req, httplib::Response& res) {
    if (calls.fetch_add(1) < 10) server.wait(10s);  // the first ten attempts hang
    res.set_content("ok " + req.body, "text/plain");
  });
  server.start();
  ASSERT_EQ(run_file(replace_all(R"([stages.src]
type = "generate"
count = 20
[stages.call]
type = "http"
inputs = ["src"]
url = "URL"
max_in_flight = 10
timeout = "200ms"
retry = { max_attempts = 3, initial_backoff = "1ms" }
on_error = "dead_letter"
[stages.good]
type = "file"
inputs = ["call"]
path = "good.txt"
[stages.failed]
type = "file"
inputs = ["call.dead_letter"]
path = "failed.jsonl"
format = "json"
)",
                                 "URL", server.url("/hang")),
                     20s),
            0)
      << err_;
  EXPECT_LT(took_, 5s) << "a hanging request is not waited for";
  EXPECT_EQ(lines(read(dir_ / "good.txt")).size(), 20u);
  EXPECT_EQ(read(dir_ / "failed.jsonl"), "");
  const auto s = stats();
  EXPECT_EQ(u(s["stages"]["call"], "retries"), 10u);
}

TEST_F(HttpE2E, AMalformedUrlIsACheckError) {
  const auto file = write("bad.toml", R"([stages.src]
type = "generate"
count = 1
[stages.call]
type = "http"
inputs = ["src"]
url = "htp//127.0.0.1:8080/{payload}"
[stages.out]
type = "discard"
inputs = ["call"]
)");
  Sluice p({"check", file.string()}, dir_);
  EXPECT_NE(p.wait(), 0);
  EXPECT_NE(p.err().find("url"), std::string::npos) << p.err();
  EXPECT_NE(p.err().find("http://"), std::string::npos) << p.err();
}

TEST_F(HttpE2E, TheEnrichSampleRunsAgainstALocalService) {
  HttpServer server;
  std::atomic<int> requests{0};
  server.http.Get(R"(/users/(.*))", [&](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    if (id == "unknown") {
      res.status = 404;
      res.set_content("no such user", "text/plain");
      return;
    }
    if (requests.fetch_add(1) % 7 == 3) {
      res.status = 503;
      res.set_header("Retry-After", "0");
      return;
    }
    res.set_content("{\"id\": \"" + id + "\", \"name\": \"user " + id + "\"}", "application/json");
  });
  server.start();
  std::string ids;
  for (int i = 1; i <= 50; ++i) ids += "u" + std::to_string(i) + "\n";
  ids += "unknown\n";
  write("user_ids.txt", ids);
  Sluice p({"run", (kPipelines / "http" / "http_enrich.toml").string(), "--set",
            "stages.lookup.url=" + server.url("/users/{payload}"), "--stats-json", "stats.json",
            "--progress", "never"},
           dir_);
  ASSERT_EQ(p.wait(60s), 0) << p.err();
  const auto enriched = lines(read(dir_ / "users.jsonl"));
  const auto failed = lines(read(dir_ / "lookup_failed.jsonl"));
  EXPECT_EQ(enriched.size(), 50u);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(json::parse(failed[0])["attrs"]["error"], "HTTP 404: no such user");
  EXPECT_EQ(json::parse(enriched[0])["attrs"]["http_status"], "200");
}
}  // namespace
