// The http_server source through the real `sluice` binary: 20 clients POST
// 50,000 events into a pipeline slower than they are; every event answered
// 200 must be in the output exactly once, every other one was answered 503
// and is not there; SIGTERM then stops the run with a drain.
#include <httplib.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <set>

#include "e2e_support.hpp"

namespace sluice_e2e {
namespace {

using namespace std::chrono_literals;

/// The port the run logged ("listening on http://127.0.0.1:PORT/..."), or 0.
int logged_port(const Sluice& p, std::chrono::seconds timeout = 10s) {
  static const std::regex kListening(R"(listening on http://127\.0\.0\.1:(\d+))");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    const std::string err = p.err();
    if (std::regex_search(err, m, kListening)) return std::stoi(m[1]);
    std::this_thread::sleep_for(20ms);
  }
  return 0;
}

class Webhook : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    std::signal(SIGPIPE, SIG_IGN);
  }

  /// Runs http_server (with `extra` options) -> a slow stage -> a file, has
  /// 20 clients POST `events` events, 5 per request, then stops the run with
  /// SIGTERM and checks that every event answered 200 was written exactly
  /// once and every other one was answered 503 and not written. With
  /// `stop_after`, SIGTERM comes that long after the start, while the clients
  /// still send: each stops at its first request that gets no answer (the
  /// server has stopped accepting), and such requests must not be written.
  void serve_clients(int events, const std::string& extra,
                     std::optional<std::chrono::milliseconds> stop_after = std::nullopt) {
    // A slow stage and small buffers, so that the clients outrun the pipeline.
    const auto config = write("hook.toml", R"(
[pipeline]
threads = 2
channel_capacity = 256
drain_timeout = "10s"

[stages.hook]
type = "http_server"
port = 0
path = "/events"
split_lines = true
headers = ["x-client"]
queue = 256
max_wait = "20ms"
)" + extra + R"(

[stages.slow]
type = "work"
inputs = ["hook"]
micros = 200

[stages.out]
type = "file"
inputs = ["slow"]
path = "out.txt"
)");
    Sluice p({"run", config.string(), "--stats-json", "stats.json", "--progress", "never"}, dir_);
    const int port = logged_port(p);
    ASSERT_GT(port, 0) << p.err();

    constexpr int kClients = 20, kPerRequest = 5;
    const int requests_per_client = events / kClients / kPerRequest;
    std::mutex mu;
    std::set<std::string> ok, busy;
    std::map<std::string, int> other;  // unexpected answers and errors -> count
    std::set<std::string> unanswered;  // sent while the server stopped
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        httplib::Client client("127.0.0.1", port);
        client.set_read_timeout(30);
        for (int r = 0; r < requests_per_client; ++r) {
          std::vector<std::string> sent;
          std::string body;
          for (int e = 0; e < kPerRequest; ++e) {
            sent.push_back("c" + std::to_string(c) + "-r" + std::to_string(r) + "-e" +
                           std::to_string(e));
            body += sent.back() + "\n";
          }
          const auto res =
              client.Post("/events", {{"X-Client", std::to_string(c)}}, body, "text/plain");
          std::lock_guard lock(mu);
          if (!res && stop_after) {
            unanswered.insert(sent.begin(), sent.end());
            return;
          }
          if (res && res->status == 200) {
            ok.insert(sent.begin(), sent.end());
          } else if (res && res->status == 503) {
            busy.insert(sent.begin(), sent.end());
          } else {
            ++other[res ? std::to_string(res->status) : httplib::to_string(res.error())];
          }
        }
      });
    }
    if (stop_after) {
      std::this_thread::sleep_for(*stop_after);
      p.signal(SIGTERM);
    }
    for (auto& t : clients) t.join();
    if (!stop_after) p.signal(SIGTERM);
    ASSERT_EQ(p.wait(30s), 143) << p.err();

    for (const auto& [what, n] : other) ADD_FAILURE() << n << " request(s) answered " << what;
    if (!stop_after) {
      EXPECT_EQ(ok.size() + busy.size(), static_cast<std::size_t>(events));
    }
    EXPECT_GT(ok.size(), 0u);
    std::map<std::string, int> written;
    for (const auto& line : lines(read(dir_ / "out.txt"))) ++written[line];
    std::size_t missing = 0, twice = 0, rejected_but_written = 0;
    for (const auto& e : ok) {
      const auto it = written.find(e);
      if (it == written.end()) {
        ++missing;
      } else if (it->second != 1) {
        ++twice;
      }
    }
    for (const auto& e : busy) rejected_but_written += written.count(e);
    for (const auto& e : unanswered) rejected_but_written += written.count(e);
    EXPECT_EQ(missing, 0u) << "answered 200 and not written";
    EXPECT_EQ(twice, 0u) << "written more than once";
    EXPECT_EQ(rejected_but_written, 0u) << "answered 503 (or not at all) and written all the same";
    EXPECT_EQ(written.size(), ok.size());

    auto s = stats();
    ASSERT_FALSE(s.is_discarded());
    EXPECT_EQ(s["status"], "interrupted");
    const auto& hook = s["stages"]["hook"];
    EXPECT_EQ(hook["out"].get<std::size_t>(), ok.size());
    if (!stop_after) {
      EXPECT_EQ(hook["counters"]["requests"].get<std::size_t>(),
                static_cast<std::size_t>(kClients * requests_per_client));
    }
    EXPECT_EQ(hook["counters"].value("status_200", std::size_t{0}) * kPerRequest, ok.size());
    EXPECT_EQ(hook["counters"].value("status_503", std::size_t{0}) * kPerRequest, busy.size());
    EXPECT_EQ(s["stages"]["out"]["in"].get<std::size_t>(), ok.size());
    std::cout << ok.size() << " events answered 200, " << busy.size() << " answered 503, "
              << unanswered.size() << " not answered\n";
  }
};

TEST_F(Webhook, EveryEventAnswered200IsWrittenOnceAndTheRestGot503) { serve_clients(50'000, ""); }

// SIGTERM while 20 clients send: what was answered 200 is drained into the
// file, what still waited was answered 503, and nothing else got in.
TEST_F(Webhook, SigtermUnderLoadDrainsEveryEventAnswered200) { serve_clients(50'000, "", 1500ms); }

// With acks a 200 waits for the write: fewer events, the same promises.
TEST_F(Webhook, WithEndToEndAcksEveryEventAnswered200IsWrittenOnceToo) {
  serve_clients(10'000, "ack = \"end_to_end\"\n");
}

TEST_F(Webhook, ThePortInUseFailsTheRunNamingStageAndAddress) {
  httplib::Server taken;
  const int port = taken.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  Sluice p({"run", (kPipelines / "http" / "webhook.toml").string(), "--set",
            "stages.events.port=" + std::to_string(port), "--set", "stages.out.path=out.jsonl"},
           dir_);
  EXPECT_EQ(p.wait(20s), 1);
  EXPECT_NE(p.err().find("events"), std::string::npos) << p.err();
  EXPECT_NE(p.err().find("cannot listen on 127.0.0.1:" + std::to_string(port)), std::string::npos)
      << p.err();
}

TEST_F(Webhook, TheSampleAnswersOnceWrittenAndDrainsOnSigterm) {
  Sluice p({"run", (kPipelines / "http" / "webhook.toml").string(), "--set", "stages.events.port=0",
            "--set", "stages.out.path=out.jsonl", "--stats-json", "stats.json"},
           dir_);
  const int port = logged_port(p);
  ASSERT_GT(port, 0) << p.err();
  httplib::Client client("127.0.0.1", port);
  const auto res =
      client.Post("/events",
                  {{"X-Request-Id", "r1"},
                   {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}},
                  "{\"user\":1}\n{\"user\":2}\n", "application/x-ndjson");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "{\"accepted\":2}\n");
  const auto written = lines(read(dir_ / "out.jsonl"));  // written before the answer
  ASSERT_EQ(written.size(), 2u);
  const json first = json::parse(written[0]);
  EXPECT_EQ(first["payload"], "{\"user\":1}");
  EXPECT_EQ(first["attrs"]["x-request-id"], "r1");
  EXPECT_EQ(first["attrs"]["http_path"], "/events");
  EXPECT_EQ(first["trace_id"].get<std::uint64_t>(),
            0xa3ce929d0e0e4736ULL & ((std::uint64_t{1} << 53) - 1));
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(20s), 143) << p.err();
  EXPECT_EQ(stats()["stages"]["events"]["counters"]["status_200"], 1);
}

}  // namespace
}  // namespace sluice_e2e
