// The HTTP client's driver against a local cpp-httplib server.
#include "builtins/http/client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "builtins/http/status.hpp"
#include "builtins/http/test_server.hpp"

namespace sluice::builtins::http {
namespace {

using namespace std::chrono_literals;

std::size_t process_threads() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

/// Submits `r` and waits for its response.
Response fetch(Client& c, Request r) {
  std::promise<Response> p;
  auto f = p.get_future();
  c.submit(std::move(r), [&p](Response&& resp) { p.set_value(std::move(resp)); });
  return f.get();
}

TEST(HttpClient, GetsStatusBodyAndTheHeadersItKeeps) {
  TestServer server;
  server.http.Get("/item", [](const httplib::Request&, httplib::Response& res) {
    res.status = 201;
    res.set_header("X-Trace", "abc");
    res.set_header("X-Other", "no");
    res.set_content("{\"ok\":true}", "application/json");
  });
  server.start();
  Client c;
  const Response r =
      fetch(c, {.url = server.url("/item"), .keep_headers = {"content-type", "x-trace"}});
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "{\"ok\":true}");
  ASSERT_NE(r.header("content-type"), nullptr);
  EXPECT_EQ(*r.header("content-type"), "application/json");
  ASSERT_NE(r.header("x-trace"), nullptr);
  EXPECT_EQ(*r.header("x-trace"), "abc");
  EXPECT_EQ(r.header("x-other"), nullptr);
}

TEST(HttpClient, SendsMethodHeadersAndBody) {
  TestServer server;
  const auto echo = [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.method + " " + req.get_header_value("X-Key") + " [" +
                        req.get_header_value("Content-Type") + "] " + req.body,
                    "text/plain");
  };
  server.http.Post("/echo", echo);
  server.http.Put("/echo", echo);
  server.start();
  Client c;
  Response r = fetch(c, {.method = "POST",
                         .url = server.url("/echo"),
                         .headers = {"X-Key: k1"},
                         .body = "hello",
                         .send_body = true});
  EXPECT_EQ(r.body, "POST k1 [] hello");  // no form Content-Type added by libcurl
  r = fetch(c, {.method = "PUT",
                .url = server.url("/echo"),
                .headers = {"Content-Type: application/json"},
                .body = "{}",
                .send_body = true});
  EXPECT_EQ(r.body, "PUT  [application/json] {}");
}

TEST(HttpClient, RunsManySlowRequestsAtOnceOnOneThread) {
  TestServer server(128);
  std::atomic<int> open{0}, most_open{0};
  server.http.Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    const int now = open.fetch_add(1) + 1;
    for (int m = most_open.load(); now > m && !most_open.compare_exchange_weak(m, now);) {
    }
    server.wait(100ms);
    open.fetch_sub(1);
    res.set_content("done", "text/plain");
  });
  server.start();
  Client c;
  // The server's pool starts its threads on its own time (slowly under a
  // sanitizer): wait until their number holds still.
  std::size_t before = process_threads();
  for (int still = 0; still < 10;) {
    std::this_thread::sleep_for(10ms);
    const std::size_t now = process_threads();
    still = now == before ? still + 1 : 0;
    before = now;
  }
  constexpr int kRequests = 100;
  std::atomic<int> answered{0};
  std::size_t most_threads = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kRequests; ++i) {
    c.submit({.url = server.url("/slow")}, [&](Response&& r) {
      if (r.status == 200) answered.fetch_add(1);
    });
  }
  while (answered.load() < kRequests && std::chrono::steady_clock::now() - t0 < 20s) {
    most_threads = std::max(most_threads, process_threads());
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(answered.load(), kRequests);
  // One after the other they would take 10 s and be open one at a time.
  EXPECT_GE(most_open.load(), kRequests / 2);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 8s);
  EXPECT_LE(most_threads, before);  // no thread per request
}

TEST(HttpClient, CancelRemovesTheRequestAndStillAnswersOnce) {
  TestServer server;
  server.http.Get("/hang", [&](const httplib::Request&, httplib::Response& res) {
    server.wait(10s);
    res.set_content("late", "text/plain");
  });
  server.start();
  Client c;
  std::promise<Response> p;
  auto f = p.get_future();
  std::atomic<int> calls{0};
  const auto id = c.submit({.url = server.url("/hang")}, [&](Response&& r) {
    if (calls.fetch_add(1) == 0) p.set_value(std::move(r));
  });
  std::this_thread::sleep_for(50ms);
  c.cancel(id);
  ASSERT_EQ(f.wait_for(2s), std::future_status::ready);
  const Response r = f.get();
  EXPECT_TRUE(r.cancelled);
  EXPECT_EQ(r.status, 0);
  c.cancel(id);  // finished: nothing happens
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(c.open_requests(), 0u);
}

TEST(HttpClient, AResponseOverTheLimitIsCutShort) {
  TestServer server;
  server.http.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(1 << 20, 'x'), "text/plain");
  });
  server.http.Get("/chunked", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/plain", [](std::size_t, httplib::DataSink& sink) {
      const std::string chunk(64 * 1024, 'y');
      for (int i = 0; i < 16; ++i) sink.write(chunk.data(), chunk.size());
      sink.done();
      return true;
    });
  });
  server.start();
  Client c;
  for (const char* path : {"/big", "/chunked"}) {
    const Response r = fetch(c, {.url = server.url(path), .max_response_bytes = 1000});
    EXPECT_TRUE(r.too_large) << path;
    EXPECT_EQ(judge(r, path, 0).outcome, Outcome::permanent) << path;
    EXPECT_LE(r.body.size(), 1000u) << path;
  }
  const Response fits = fetch(c, {.url = server.url("/big"), .max_response_bytes = 1 << 20});
  EXPECT_FALSE(fits.too_large);
  EXPECT_EQ(fits.body.size(), std::size_t{1} << 20);
}

TEST(HttpClient, ARefusedConnectionIsATransportError) {
  int port = 0;
  {
    TestServer gone;
    gone.start();
    port = gone.port();
  }  // nothing listens there now
  Client c;
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  const Response r = fetch(c, {.url = url});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error, "");
  const Verdict v = judge(r, url, 0);
  EXPECT_EQ(v.outcome, Outcome::transient);
  EXPECT_NE(v.error.find(url), std::string::npos) << v.error;
}

TEST(HttpClient, AMalformedUrlIsReportedAndOtherSchemesAreRefused) {
  Client c;
  for (const std::string url :
       {"http://exa mple.com:99999/", "ftp://127.0.0.1/x", "file:///etc/passwd"}) {
    const Response r = fetch(c, {.url = url});
    EXPECT_EQ(r.status, 0) << url;
    EXPECT_EQ(judge(r, url, 0).outcome, Outcome::permanent) << url << ": " << r.error;
  }
}

TEST(HttpClient, TimersRunOnTheDriverThreadInOrder) {
  Client c;
  std::mutex mu;
  std::vector<int> order;
  std::promise<void> done;
  const Nanos now = SteadyClock::instance().now();
  c.after(now + 60'000'000, [&] {
    std::lock_guard lock(mu);
    order.push_back(2);
    done.set_value();
  });
  c.after(now + 10'000'000, [&] {
    std::lock_guard lock(mu);
    order.push_back(1);
  });
  ASSERT_EQ(done.get_future().wait_for(2s), std::future_status::ready);
  std::lock_guard lock(mu);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(HttpClient, AnEndingClientAnswersWhatIsOpenAsCancelled) {
  TestServer server;
  server.http.Get("/hang", [&](const httplib::Request&, httplib::Response& res) {
    server.wait(10s);
    res.set_content("late", "text/plain");
  });
  server.start();
  std::atomic<int> cancelled{0};
  {
    Client c;
    for (int i = 0; i < 3; ++i) {
      c.submit({.url = server.url("/hang")}, [&](Response&& r) {
        if (r.cancelled) cancelled.fetch_add(1);
      });
    }
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(cancelled.load(), 3);
}

TEST(HttpClient, SharedIsOneClientWhileHeld) {
  auto a = Client::shared();
  auto b = Client::shared();
  EXPECT_EQ(a.get(), b.get());
}

}  // namespace
}  // namespace sluice::builtins::http
