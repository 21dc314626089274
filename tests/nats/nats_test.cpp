// Scale-out through NATS JetStream, end to end: real `sluice` processes, a
// private nats-server per test (nats_support.hpp). Skipped, saying why, when
// nats-server is not installed (scripts/setup.sh installs it).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../e2e_support.hpp"
#include "nats_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT(google-build-using-namespace)
using sluice_nats::Client;
using sluice_nats::NatsServer;
using Clock = std::chrono::steady_clock;

/// One line a worker wrote: which order, and which delivery of it.
struct Seen {
  std::string payload;
  int delivered{1};
};

std::vector<Seen> read_seen(const fs::path& file) {
  std::vector<Seen> out;
  for (const auto& line : lines(read(file))) {
    const auto j = json::parse(line, nullptr, false);
    if (!j.is_object()) continue;  // a line cut by kill -9
    out.push_back({j["payload"].get<std::string>(),
                   std::stoi(j["attrs"].value("nats_delivered", std::string("1")))});
  }
  return out;
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

/// Kills (SIGKILL) and reaps the workers a failed assertion left running.
struct Reaper {
  std::vector<Sluice*> procs;
  ~Reaper() {
    for (Sluice* p : procs) {
      p->signal(SIGKILL);
      (void)p->wait(std::chrono::seconds(5));
    }
  }
};

class Nats : public E2E {
 protected:
  void SetUp() override {
    if (sluice_nats::find_nats_server().empty()) {
      GTEST_SKIP() << "nats-server is not installed (apt-get install nats-server, or run "
                      "scripts/setup.sh): the JetStream tests need a server to start";
    }
    E2E::SetUp();
    server_ = std::make_unique<NatsServer>(dir_);
    ASSERT_TRUE(server_->running()) << read(dir_ / "nats-server.log");
  }

  /// Publishes order-1..order-n into stream ORDERS with the sample producer.
  void produce(int n) {
    std::string text;
    for (int i = 1; i <= n; ++i) text += "order-" + std::to_string(i) + "\n";
    write("orders.txt", text);
    Sluice p({"run", (kPipelines / "nats" / "producer.toml").string(), "--set",
              "stages.lines.path=orders.txt", "--set", "stages.publish.url=" + server_->url()},
             dir_);
    ASSERT_EQ(p.wait(), 0) << p.err();
  }

  /// A worker pipeline: nats -> work (micros per message) -> file (json, append).
  fs::path worker(const std::string& name, const std::string& extra_source_keys,
                  const std::string& middle = "") {
    const std::string text = R"([pipeline]
threads = 2
drain_timeout = "200ms"

[stages.orders]
type = "nats"
url = ")" + server_->url() + R"("
stream = "ORDERS"
subject = "orders.new"
consumer = "workers"
create = true
)" + extra_source_keys + "\n" +
                             (middle.empty() ? std::string(R"(
[stages.work]
type = "work"
inputs = ["orders"]
micros = 0
)")
                                             : middle) +
                             R"(
[stages.out]
type = "file"
inputs = ["work"]
path = ")" + name + R"(.jsonl"
format = "json"
mode = "append"
)";
    return write(name + ".toml", text);
  }

  /// Waits until the stream is empty and nothing is pending an ack. With
  /// `consumer_view`, until the consumer has nothing left to deliver or to
  /// see acked: after a kill -9 of nats-server 2.9.10 the stream may keep
  /// messages whose deletion (work-queue ack) it lost, though the consumer
  /// counts them as acked.
  bool drained(std::chrono::seconds limit, bool consumer_view = false) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      Client c(server_->url());
      if (auto st = c.state("ORDERS", "workers"); st && (consumer_view || st->stream_msgs == 0) &&
                                                  st->ack_pending == 0 &&
                                                  st->consumer_pending == 0) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  static std::uint64_t counter(const json& stats, const char* name) {
    return stats["stages"]["orders"]
        .value("counters", json::object())
        .value(name, std::uint64_t{0});
  }

  std::unique_ptr<NatsServer> server_;
};

TEST_F(Nats, SamplesPublishThenAWorkerTakesEveryMessageOnce) {
  constexpr int kN = 3000;
  produce(kN);
  Sluice w({"run", (kPipelines / "nats" / "worker.toml").string(), "--set",
            "stages.orders.url=" + server_->url(), "--set", "stages.orders.stop_when_idle=1s",
            "--set", "stages.done.path=w.jsonl", "--stats-json", "stats.json"},
           dir_);
  ASSERT_EQ(w.wait(std::chrono::seconds(30)), 0) << w.err();
  const auto seen = read_seen(dir_ / "w.jsonl");
  std::set<std::string> ids;
  for (const auto& s : seen) ids.insert(s.payload);
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kN));
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kN));
  const auto st = stats();
  EXPECT_EQ(counter(st, "fetched"), static_cast<std::uint64_t>(kN));
  EXPECT_EQ(counter(st, "acked"), static_cast<std::uint64_t>(kN));
  EXPECT_TRUE(drained(std::chrono::seconds(5)));
}

TEST_F(Nats, KillNineOfOneWorkerLosesNothing) {
  // Other counts and kill points: SLUICE_NATS_KILL_COUNT=20000 SLUICE_NATS_KILL_AT=70 (percent).
  const int kN = env_int("SLUICE_NATS_KILL_COUNT", 6000);
  const int kill_at = env_int("SLUICE_NATS_KILL_AT", 33);
  constexpr int kInflight = 200;
  produce(kN);
  const std::string keys =
      "ack_wait = \"2s\"\nmax_inflight = " + std::to_string(kInflight) + "\nfetch_batch = 100\n";
  const std::string slow = "[stages.work]\ntype = \"work\"\ninputs = [\"orders\"]\nmicros = 600\n";
  std::vector<std::unique_ptr<Sluice>> workers;
  Reaper reaper;
  for (const char* name : {"a", "b", "c"}) {
    const auto file = worker(name, keys, slow);
    workers.push_back(
        std::make_unique<Sluice>(std::vector<std::string>{"run", file.string(), "--stats-json",
                                                          std::string(name) + ".stats.json"},
                                 dir_));
    reaper.procs.push_back(workers.back().get());
  }
  // Kill `a` once kill_at percent of the work is done (a third by default)
  // and `a` itself has written some (so that it dies in the middle of work).
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    std::size_t done = 0, by_a = 0;
    for (const char* name : {"a", "b", "c"}) {
      const std::size_t n = lines(read(dir_ / (std::string(name) + ".jsonl"))).size();
      done += n;
      if (std::string(name) == "a") by_a = n;
    }
    if (done >= static_cast<std::size_t>(kN) * kill_at / 100 && by_a > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  workers[0]->signal(SIGKILL);
  EXPECT_EQ(workers[0]->wait(), 128 + SIGKILL);
  ASSERT_TRUE(drained(std::chrono::seconds(30))) << "the survivors never finished the stream";
  for (std::size_t i = 1; i < workers.size(); ++i) {
    workers[i]->signal(SIGTERM);
    EXPECT_EQ(workers[i]->wait(), 143) << workers[i]->err();
  }

  std::map<std::string, int> times;
  std::size_t killed_lines = 0, redelivered_lines = 0;
  for (const char* name : {"a", "b", "c"}) {
    for (const auto& s : read_seen(dir_ / (std::string(name) + ".jsonl"))) {
      ++times[s.payload];
      if (std::string(name) == "a") ++killed_lines;
      if (s.delivered > 1) ++redelivered_lines;
    }
  }
  std::size_t duplicates = 0;
  for (int i = 1; i <= kN; ++i) {
    const auto it = times.find("order-" + std::to_string(i));
    ASSERT_NE(it, times.end()) << "order-" << i << " was lost";
    duplicates += static_cast<std::size_t>(it->second - 1);
  }
  EXPECT_GT(killed_lines, 0u);
  EXPECT_LE(duplicates, static_cast<std::size_t>(kInflight)) << "more than a/'s in-flight window";
  // The survivors' stats account for what they took over from `a`.
  std::uint64_t redelivered = 0, acked = 0;
  for (const char* name : {"b", "c"}) {
    const auto st = stats(std::string(name) + ".stats.json");
    redelivered += counter(st, "redelivered");
    acked += counter(st, "acked");
  }
  EXPECT_GE(redelivered, duplicates);
  EXPECT_EQ(redelivered, redelivered_lines);
  EXPECT_GE(acked + killed_lines, static_cast<std::uint64_t>(kN));
  RecordProperty("duplicates", static_cast<int>(duplicates));
  RecordProperty("redelivered", static_cast<int>(redelivered));
}

TEST_F(Nats, SigintNaksWhatTheWorkerHoldsAndOthersTakeItAtOnce) {
  constexpr int kN = 400;
  produce(kN);
  // `slow` holds what it fetched in a 30 s delay; ack_wait is 30 s too, so only
  // a NAK can hand its messages over quickly.
  const std::string keys = "ack_wait = \"30s\"\nmax_inflight = 100\nfetch_batch = 100\n";
  const auto slow_file = worker(
      "slow", keys, "[stages.work]\ntype = \"delay\"\ninputs = [\"orders\"]\nduration = \"30s\"\n");
  Sluice slow({"run", slow_file.string(), "--stats-json", "slow.stats.json"}, dir_);
  Reaper reaper{{&slow}};
  // Wait until `slow` holds its 100.
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    Client c(server_->url());
    if (auto st = c.state("ORDERS", "workers"); st && st->ack_pending >= 100) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Sluice fast({"run", worker("fast", keys).string(), "--stats-json", "fast.stats.json"}, dir_);
  reaper.procs.push_back(&fast);
  // `fast` takes everything `slow` does not hold.
  const auto deadline2 = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline2 && lines(read(dir_ / "fast.jsonl")).size() < kN - 100) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto t0 = Clock::now();
  slow.signal(SIGINT);
  EXPECT_EQ(slow.wait(), 130) << slow.err();
  ASSERT_TRUE(drained(std::chrono::seconds(10)));
  const double handover_s = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_LT(handover_s, 5.0) << "held messages waited for ack_wait instead of a NAK";
  fast.signal(SIGTERM);
  EXPECT_EQ(fast.wait(), 143);

  EXPECT_TRUE(read_seen(dir_ / "slow.jsonl").empty());
  std::set<std::string> ids;
  for (const auto& s : read_seen(dir_ / "fast.jsonl")) ids.insert(s.payload);
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kN));
  EXPECT_EQ(counter(stats("slow.stats.json"), "nak_abandoned"), 100u);
  EXPECT_EQ(counter(stats("fast.stats.json"), "redelivered"), 100u);
  RecordProperty("handover_ms", static_cast<int>(handover_s * 1000));
}

TEST_F(Nats, FailedMessagesAreNakedWithADelayAndRetried) {
  constexpr int kN = 200;
  produce(kN);
  // Every 10th order fails on its first delivery (on_error = drop -> NAK with delay).
  const std::string keys = "nak_delay = \"300ms\"\nstop_when_idle = \"2s\"\n";
  const auto file = worker("w", keys, R"([stages.work]
type = "fail"
inputs = ["orders"]
when = 'attrs.nats_delivered == "1" && int(substr(payload, 6, 9)) % 10 == 0'
kind = "transient"
on_error = "drop"
)");
  Sluice w({"run", file.string(), "--stats-json", "stats.json"}, dir_);
  ASSERT_EQ(w.wait(std::chrono::seconds(30)), 0) << w.err();
  std::map<std::string, int> delivered;
  for (const auto& s : read_seen(dir_ / "w.jsonl")) delivered[s.payload] = s.delivered;
  EXPECT_EQ(delivered.size(), static_cast<std::size_t>(kN));
  for (int i = 10; i <= kN; i += 10) EXPECT_EQ(delivered["order-" + std::to_string(i)], 2) << i;
  const auto st = stats();
  EXPECT_EQ(counter(st, "nak_failed"), static_cast<std::uint64_t>(kN / 10));
  EXPECT_EQ(counter(st, "acked"), static_cast<std::uint64_t>(kN));
}

// The worker once aborted here ("malloc(): invalid size") in about 1 run of 7:
// nats.c 3.4.1's natsSubscription_Fetch overflowed its message array after a
// reconnect. The source now sends its own pull requests (nats_source.cpp).
TEST_F(Nats, AServerRestartMidRunLosesNothing) {
  constexpr int kN = 3000;
  produce(kN);
  const std::string keys = "ack_wait = \"5s\"\nmax_inflight = 100\nfetch_batch = 50\n";
  const auto file =
      worker("w", keys, "[stages.work]\ntype = \"work\"\ninputs = [\"orders\"]\nmicros = 700\n");
  Sluice w({"run", file.string(), "--stats-json", "stats.json"}, dir_);
  Reaper reaper{{&w}};
  while (lines(read(dir_ / "w.jsonl")).size() < kN / 4) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  server_->kill9();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  server_->restart();
  ASSERT_TRUE(server_->running());
  ASSERT_TRUE(drained(std::chrono::seconds(30), /*consumer_view=*/true));
  w.signal(SIGTERM);
  EXPECT_EQ(w.wait(), 143) << w.err();
  std::set<std::string> ids;
  std::size_t n = 0;
  for (const auto& s : read_seen(dir_ / "w.jsonl")) {
    ids.insert(s.payload);
    ++n;
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kN));
  RecordProperty("duplicates", static_cast<int>(n - ids.size()));
}

TEST_F(Nats, AMessageThatKeepsFailingIsDeadLetteredThenTerminated) {
  constexpr int kN = 50;
  produce(kN);
  std::uint64_t trace_of_7 = 0;  // the producer's nats sink wrote it as a header
  {
    Client c(server_->url());
    ASSERT_TRUE(c.add_stream("DEAD", "dead.orders"));
    auto seventh = c.get("ORDERS", 7);
    ASSERT_TRUE(seventh);
    ASSERT_EQ(seventh->payload, "order-7");
    trace_of_7 = std::stoull(seventh->headers["Sluice-Trace-Id"]);
  }
  // order-7 fails on every delivery; after max_deliver = 3 it goes to dead.orders.
  const std::string keys =
      "max_deliver = 3\nnak_delay = \"50ms\"\ndead_letter_subject = \"dead.orders\"\n"
      "stop_when_idle = \"2s\"\n";
  const auto file = worker("w", keys, R"([stages.work]
type = "fail"
inputs = ["orders"]
when = 'payload == "order-7"'
kind = "transient"
on_error = "drop"
)");
  Sluice w({"run", file.string(), "--stats-json", "stats.json"}, dir_);
  ASSERT_EQ(w.wait(std::chrono::seconds(30)), 0) << w.err();
  std::set<std::string> ids;
  for (const auto& s : read_seen(dir_ / "w.jsonl")) ids.insert(s.payload);
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kN - 1));
  EXPECT_EQ(ids.count("order-7"), 0u);
  const auto st = stats();
  EXPECT_EQ(counter(st, "dead_lettered"), 1u);
  EXPECT_EQ(counter(st, "nak_failed"), 2u);
  EXPECT_EQ(counter(st, "termed"), 0u);
  Client c(server_->url());
  const auto dead = c.state("DEAD", "none");
  ASSERT_TRUE(dead);
  EXPECT_EQ(dead->stream_msgs, 1u);
  auto letter = c.get("DEAD", 1);
  ASSERT_TRUE(letter);
  EXPECT_EQ(letter->payload, "order-7");
  EXPECT_EQ(letter->headers["Sluice-Delivered"], "3");
  EXPECT_EQ(letter->headers["Sluice-Stream-Seq"], "7");
  EXPECT_EQ(letter->headers["Sluice-Outcome"], "failed");
  EXPECT_EQ(letter->headers["Sluice-Subject"], "orders.new");
  EXPECT_EQ(letter->headers["Sluice-Trace-Id"], std::to_string(trace_of_7))
      << "the dead letter keeps the trace id its message came with";
  EXPECT_NE(letter->headers["Sluice-Error"].find("3 deliveries"), std::string::npos);
  EXPECT_NE(letter->headers["Sluice-Error"].find("work: injected transient failure"),
            std::string::npos)
      << letter->headers["Sluice-Error"];
  // Terminated only after the dead letter was stored: the work queue is empty.
  EXPECT_TRUE(drained(std::chrono::seconds(5)));
}

TEST_F(Nats, TraceIdsComeFromHeadersAndTheSinkWritesThem) {
  produce(3);  // file -> nats sink: each message with a Sluice-Trace-Id header
  std::map<std::string, std::string> sent;  // payload -> its header
  {
    Client c(server_->url());
    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
      auto m = c.get("ORDERS", seq);
      ASSERT_TRUE(m);
      ASSERT_EQ(m->headers.count("Sluice-Trace-Id"), 1u) << m->payload;
      sent[m->payload] = m->headers["Sluice-Trace-Id"];
    }
    ASSERT_TRUE(
        c.publish("orders.new", "w3c",
                  {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}));
    ASSERT_TRUE(c.publish("orders.new", "plain", {}));
  }
  const auto file = worker("w", "stop_when_idle = \"1s\"\n");
  Sluice w({"run", file.string()}, dir_);
  ASSERT_EQ(w.wait(std::chrono::seconds(30)), 0) << w.err();
  std::map<std::string, std::uint64_t> got;
  for (const auto& line : lines(read(dir_ / "w.jsonl"))) {
    const auto j = json::parse(line);
    got[j["payload"].get<std::string>()] = j["trace_id"].get<std::uint64_t>();
  }
  ASSERT_EQ(got.size(), 5u);
  for (const auto& [payload, header] : sent) {
    EXPECT_EQ(std::to_string(got[payload]), header) << payload;
  }
  EXPECT_EQ(got["w3c"], 0xa3ce929d0e0e4736ULL & ((std::uint64_t{1} << 53) - 1));
  EXPECT_NE(got["plain"], 0u) << "no header: made from the stream and its stream seq";
  EXPECT_LT(got["plain"], std::uint64_t{1} << 53);
}

TEST_F(Nats, AWorkerStartedBeforeTheServerConnectsWhenItComes) {
  constexpr int kN = 500;
  produce(kN);
  server_->kill9();
  const auto file = worker("w", "connect_timeout = \"60s\"\n");
  Sluice w({"run", file.string(), "--stats-json", "stats.json"}, dir_);
  Reaper reaper{{&w}};
  // It says it is retrying (and keeps no thread asleep: nats.c retries)...
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline && w.err().find("retrying in") == std::string::npos) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(w.err().find("cannot connect to " + server_->url()), std::string::npos) << w.err();
  // ...and takes the stream once the server is back.
  server_->restart();
  ASSERT_TRUE(server_->running());
  ASSERT_TRUE(drained(std::chrono::seconds(30)));
  w.signal(SIGTERM);
  EXPECT_EQ(w.wait(), 143) << w.err();
  std::set<std::string> ids;
  for (const auto& s : read_seen(dir_ / "w.jsonl")) ids.insert(s.payload);
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kN));
  EXPECT_NE(w.err().find("connected to " + server_->url()), std::string::npos) << w.err();
}

TEST_F(Nats, AnUnreachableServerIsAClearErrorNamingTheUrl) {
  const std::string url = "nats://127.0.0.1:1";  // nothing listens on port 1
  const auto file = write("w.toml", R"([stages.orders]
type = "nats"
url = ")" + url + R"("
stream = "ORDERS"
consumer = "workers"
connect_timeout = "1s"

[stages.out]
type = "discard"
inputs = ["orders"]
)");
  const auto t0 = Clock::now();
  Sluice w({"run", file.string()}, dir_);
  EXPECT_EQ(w.wait(std::chrono::seconds(20)), 1);
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 10.0);
  const std::string err = w.err();
  EXPECT_NE(err.find("cannot connect to " + url), std::string::npos) << err;
  EXPECT_NE(err.find("retrying in"), std::string::npos) << err;
}

}  // namespace
