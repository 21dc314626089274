// The http_server source in a running pipeline, with cpp-httplib's client.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "builtins/test_graph.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using testing::add;
using testing::attr;
using testing::keep;
using testing::Kept;
using testing::kMs;
using testing::Set;

/// A port nobody listens on now (the kernel's pick for an ephemeral bind).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

/// Whether a listening socket can be bound to `port` (SO_REUSEADDR, as servers do).
bool can_listen(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok =
      ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd, 1) == 0;
  if (!ok) std::perror("bind");
  ::close(fd);
  return ok;
}

OptionValue list(std::initializer_list<const char*> items) {
  OptionValue v;
  v.kind = OptionValue::Kind::list;
  for (const char* s : items) v.list.push_back(OptionValue::of(s));
  return v;
}

/// Posts until the server answers (it starts with the pipeline).
httplib::Result post_when_up(httplib::Client& c, const std::string& path, const std::string& body,
                             const httplib::Headers& headers = {}) {
  for (int i = 0; i < 500; ++i) {
    if (auto r = c.Post(path, headers, body, "text/plain")) return r;
    std::this_thread::sleep_for(10ms);
  }
  return c.Post(path, headers, body, "text/plain");
}

/// A sink that waits while `closed`, and fails the messages whose payload is "bad".
class GateSink final : public Sink {
 public:
  GateSink(Kept& into, std::atomic<bool>& closed, bool keep_acks)
      : into_(into), closed_(closed), keep_acks_(keep_acks) {}
  void consume(std::span<Message> batch, Context&) override {
    while (closed_.load()) std::this_thread::sleep_for(1ms);
    std::lock_guard lock(into_.mu);
    for (auto& m : batch) {
      if (m.payload == "bad") m.ack.fail(AckOutcome::rejected, "out: bad payload");
      if (!keep_acks_) m.ack.reset();  // written: a sink lets go of the message
      into_.messages.push_back(std::move(m));
    }
  }

 private:
  Kept& into_;
  std::atomic<bool>& closed_;
  const bool keep_acks_;  ///< never finish a message (a write that never completes)
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override { std::signal(SIGPIPE, SIG_IGN); }  // as the CLI does

  /// Runs http_server (options `set`, port added) -> a GateSink.
  void start(Set set, std::size_t capacity = 1024) {
    port_ = free_port();
    set.emplace_back("port", OptionValue::of(port_));
    Graph g;
    auto src = add(g, "hook", "http_server", false, std::move(set));
    g.connect(src,
              g.add_sink("out",
                         [this] { return std::make_unique<GateSink>(kept_, closed_, keep_acks_); }),
              {.capacity = capacity});
    pipeline_ = std::make_unique<Pipeline>(std::move(g), RunOptions{.threads = 2});
    pipeline_->start();
  }
  RunResult stop() {
    closed_ = false;
    pipeline_->stop();
    return pipeline_->wait();
  }
  httplib::Client client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(5);
    c.set_read_timeout(10);
    return c;
  }

  int port_{0};
  Kept kept_;
  std::atomic<bool> closed_{false};
  bool keep_acks_{false};
  std::unique_ptr<Pipeline> pipeline_;
};

TEST_F(HttpServerTest, EachLineBecomesAMessageWithMethodPathHeadersAndTrace) {
  start({{"path", OptionValue::of("/hook")},
         {"split_lines", OptionValue::of(true)},
         {"headers", list({"X-Request-Id", "x-absent"})}});
  auto c = client();
  auto r =
      post_when_up(c, "/hook", "one\r\ntwo\n\nthree\n",
                   {{"X-Request-ID", "abc"},
                    {"traceparent", "00-0af7651916cd43dd0000000000000007-b7ad6b7169203331-01"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, "{\"accepted\":3}\n");
  auto put = c.Put("/hook", "four", "text/plain");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200);
  ASSERT_EQ(stop().status, RunStatus::interrupted);
  ASSERT_EQ(kept_.payloads(), (std::vector<std::string>{"one", "two", "three", "four"}));
  const Message& m = kept_.messages[0];
  EXPECT_EQ(attr(m, "http_method"), "POST");
  EXPECT_EQ(attr(m, "http_path"), "/hook");
  EXPECT_EQ(attr(m, "x-request-id"), "abc");
  EXPECT_EQ(attr(m, "x-absent"), "(none)");
  EXPECT_EQ(m.trace_id, 7u);
  EXPECT_EQ(m.seq, 1u);
  EXPECT_EQ(attr(kept_.messages[3], "http_method"), "PUT");
  EXPECT_NE(kept_.messages[3].trace_id, 0u);  // no traceparent: a random id
  const auto s = testing::stage(*pipeline_, "hook");
  EXPECT_EQ(s.out, 4u);
  EXPECT_EQ(s.counters.at("requests"), 2u);
  EXPECT_EQ(s.counters.at("status_200"), 2u);
}

TEST_F(HttpServerTest, BadRequestsGetTheirStatusAndQueueNothing) {
  start({{"path", OptionValue::of("/hook")},
         {"split_lines", OptionValue::of(true)},
         {"max_body_bytes", OptionValue::of(100)},
         {"queue", OptionValue::of(3)}});
  auto c = client();
  auto empty = post_when_up(c, "/hook", "");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);
  EXPECT_EQ(c.Post("/hook", "\n\n", "text/plain")->status, 400);
  EXPECT_EQ(c.Post("/other", "x", "text/plain")->status, 404);
  auto not_utf8 = c.Post("/%FF%FE", "x", "text/plain");  // named in the answer's JSON
  EXPECT_EQ(not_utf8->status, 404);
  EXPECT_NE(not_utf8->body.find("no webhook at /"), std::string::npos) << not_utf8->body;
  auto get = c.Get("/hook");
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("Allow"), "POST, PUT");
  EXPECT_EQ(c.Post("/hook", std::string(101, 'x'), "text/plain")->status, 413);
  EXPECT_EQ(c.Post("/hook", "a\nb\nc\nd\n", "text/plain")->status, 413);  // 4 lines > queue
  EXPECT_EQ(c.Post("/hook", std::string(100, 'x'), "text/plain")->status, 200);
  stop();
  EXPECT_EQ(kept_.size(), 1u);
  const auto s = testing::stage(*pipeline_, "hook");
  EXPECT_EQ(s.counters.at("status_400"), 2u);
  EXPECT_EQ(s.counters.at("status_404"), 2u);
  EXPECT_EQ(s.counters.at("status_405"), 1u);
  EXPECT_EQ(s.counters.at("status_413"), 2u);
}

TEST_F(HttpServerTest, AStalledPipelineIsAnswered503WithRetryAfterAndLosesNothingAnswered200) {
  closed_ = true;  // the sink holds its first batch
  start({{"queue", OptionValue::of(4)}, {"max_wait", OptionValue::duration(50 * kMs)}},
        /*capacity=*/4);
  auto c = client();
  std::vector<std::string> ok;
  int busy = 0;
  for (int i = 0; i < 40; ++i) {
    const std::string body = "m" + std::to_string(i);
    auto r = i == 0 ? post_when_up(c, "/", body) : c.Post("/", body, "text/plain");
    ASSERT_TRUE(r);
    if (r->status == 200) {
      ok.push_back(body);
    } else {
      ASSERT_EQ(r->status, 503) << r->body;
      EXPECT_EQ(r->get_header_value("Retry-After"), "1");
      ++busy;
    }
  }
  EXPECT_GT(busy, 0);
  EXPECT_LT(ok.size(), 40u);
  closed_ = false;  // the sink catches up: what was answered 200 arrives
  for (int i = 0; i < 500 && kept_.size() < ok.size(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(stop().status, RunStatus::interrupted);
  EXPECT_EQ(kept_.payloads(), ok);
  const auto s = testing::stage(*pipeline_, "hook");
  EXPECT_EQ(s.counters.at("status_503"), static_cast<std::uint64_t>(busy));
}

TEST_F(HttpServerTest, EndToEndAcksAnswerOnceWrittenAnd500WhenAMessageFailed) {
  start({{"split_lines", OptionValue::of(true)}, {"ack", OptionValue::of("end_to_end")}});
  auto c = client();
  auto good = post_when_up(c, "/", "a\nb\n");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200);
  EXPECT_EQ(kept_.size(), 2u);  // written before the answer
  auto bad = c.Post("/", "c\nbad\n", "text/plain");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 500);
  EXPECT_NE(bad->body.find("out: bad payload"), std::string::npos) << bad->body;
  stop();
}

TEST_F(HttpServerTest, EndToEndAcksTimeOutWith504) {
  closed_ = true;
  start({{"ack", OptionValue::of("end_to_end")}, {"ack_timeout", OptionValue::duration(50 * kMs)}});
  auto c = client();
  auto r = post_when_up(c, "/", "slow");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 504);
  stop();
}

TEST_F(HttpServerTest, ACancelledRunAnswersRequestsWaitingForAcks503AtOnce) {
  keep_acks_ = true;  // the sink never finishes what it takes
  start({{"ack", OptionValue::of("end_to_end")},
         {"ack_timeout", OptionValue::duration(60 * kNanosPerSecond)}});
  std::atomic<int> status{0};
  std::thread caller([&] {
    auto c = client();
    if (auto r = post_when_up(c, "/", "a")) status = r->status;
  });
  for (int i = 0; i < 500 && kept_.size() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(kept_.size(), 1u);
  const auto t0 = std::chrono::steady_clock::now();
  pipeline_->cancel();
  pipeline_->wait();
  pipeline_.reset();  // destroys the source, which must not wait out ack_timeout
  caller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_EQ(status.load(), 503);
}

TEST_F(HttpServerTest, StopAnswersWaitingRequests503AndReleasesThePort) {
  closed_ = true;
  start({{"queue", OptionValue::of(2)}, {"max_wait", OptionValue::duration(10 * kNanosPerSecond)}},
        /*capacity=*/1);
  auto c = client();
  ASSERT_TRUE(post_when_up(c, "/", "first"));  // taken; the sink holds it
  std::vector<std::thread> clients;
  std::atomic<int> answered_503{0}, answered_200{0};
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&, i] {
      auto ci = client();
      auto r = ci.Post("/", "w" + std::to_string(i), "text/plain");
      if (r && r->status == 503) ++answered_503;
      if (r && r->status == 200) ++answered_200;
    });
  }
  std::this_thread::sleep_for(200ms);  // they wait for room or for the take
  pipeline_->stop();
  // The source closes once its output is flushed, which the sink allows now;
  // what still waits in the queue is then withdrawn.
  std::this_thread::sleep_for(100ms);
  closed_ = false;
  for (auto& t : clients) t.join();
  pipeline_->wait();
  EXPECT_EQ(answered_503 + answered_200, 4);
  EXPECT_GE(answered_503.load(), 1) << "what waited in the queue at the stop";
  EXPECT_EQ(kept_.size(), 1u + static_cast<std::size_t>(answered_200.load()));
  EXPECT_TRUE(can_listen(port_)) << "the port is free again";
}

TEST_F(HttpServerTest, APortInUseFailsTheRunNamingTheAddress) {
  httplib::Server taken;
  const int port = taken.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  Graph g;
  auto src = add(g, "hook", "http_server", false, {{"port", OptionValue::of(port)}});
  g.connect(src, keep(g, "out", kept_));
  Pipeline p(std::move(g), {.threads = 2});
  const RunResult r = p.run();
  EXPECT_EQ(r.status, RunStatus::failed);
  EXPECT_EQ(r.error_stage, "hook");
  EXPECT_NE(r.error.find("cannot listen on 127.0.0.1:" + std::to_string(port)), std::string::npos)
      << r.error;
}

}  // namespace
}  // namespace sluice
