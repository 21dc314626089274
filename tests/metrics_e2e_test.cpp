// `sluice run --metrics ADDR` and `--control ADDR` through the binary (issue
// 18): /metrics, /healthz and /ready answer during the run, the counters grow
// and end equal to --stats-json's, the port is free once the run ends, a bad
// address or a port in use is an error before the run starts, and `sluice
// top` and `sluice tap` watch a run from another process.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <map>
#include <regex>
#include <string>
#include <thread>

#include "e2e_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support
using Clock = std::chrono::steady_clock;

/// Every sample of a Prometheus text body, by its series (`name{labels}`).
std::map<std::string, double> parse_metrics(const std::string& body) {
  std::map<std::string, double> out;
  for (const auto& l : lines(body)) {
    if (l.empty() || l[0] == '#') continue;
    const auto space = l.rfind(' ');
    out[l.substr(0, space)] = std::stod(l.substr(space + 1));
  }
  return out;
}

std::string series(const std::string& stage, const std::string& kind) {
  return R"(sluice_stage_messages_total{stage=")" + stage + R"(",kind=")" + kind + R"("})";
}

class MetricsE2E : public E2E {
 protected:
  /// A fast branch that finishes at once and a slow endless one that keeps
  /// the run going until it is stopped.
  void SetUp() override {
    E2E::SetUp();
    write("p.toml", R"([stages.fast]
type = "generate"
count = 300
[stages.fast_out]
type = "discard"
inputs = ["fast"]
[stages.slow]
type = "generate"
rate = 50
[stages.slow_out]
type = "discard"
inputs = ["slow"]
)");
  }

  /// What the run's log line names (by default the http://HOST:PORT of
  /// /metrics), once it has printed it.
  std::string wait_for_url(const Sluice& p,
                           const std::string& pattern = R"(metrics at (http://[^ ]+)/metrics)") {
    const std::regex url_re(pattern);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      std::smatch m;
      const std::string err = p.err();
      if (std::regex_search(err, m, url_re)) return m[1].str();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return {};
  }
};

TEST_F(MetricsE2E, ServesCountersThatEndEqualToStatsJsonAndFreesThePort) {
  Sluice p({"run", "p.toml", "--metrics", "127.0.0.1:0", "--progress", "never", "--stats-json",
            "stats.json"},
           dir_);
  const std::string url = wait_for_url(p);
  ASSERT_FALSE(url.empty()) << p.err();
  httplib::Client client(url);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);

  auto health = client.Get("/healthz");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
  // Ready once started: the log line comes before the start, so ask a few times.
  int ready = 0;
  for (int i = 0; i < 200 && ready != 200; ++i) {
    if (auto r = client.Get("/ready")) ready = r->status;
    if (ready != 200) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(ready, 200);

  // The fast branch ends at 300; the slow one keeps counting.
  std::map<std::string, double> m;
  double slow_first = -1;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    auto r = client.Get("/metrics");
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    ASSERT_EQ(r->status, 200);
    EXPECT_NE(r->get_header_value("Content-Type").find("text/plain; version=0.0.4"),
              std::string::npos);
    m = parse_metrics(r->body);
    if (slow_first < 0) slow_first = m[series("slow", "out")];
    if (m[series("fast_out", "in")] == 300 && m[series("slow", "out")] > slow_first) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(m[series("fast_out", "in")], 300);
  EXPECT_GT(m[series("slow", "out")], slow_first) << "the counters move during the run";
  EXPECT_EQ(m.count(R"(sluice_edge_capacity{from="slow",to="slow_out"})"), 1u);
  EXPECT_GT(m["process_resident_memory_bytes"], 0);
  EXPECT_GT(m["process_cpu_seconds_total"], 0);

  p.signal(SIGINT);
  ASSERT_EQ(p.wait(), 130) << p.err();
  const auto st = stats();
  ASSERT_TRUE(st.is_object());
  for (const char* stage : {"fast", "fast_out"}) {
    EXPECT_EQ(m[series(stage, "in")], st["stages"][stage]["in"].get<double>()) << stage;
    EXPECT_EQ(m[series(stage, "out")], st["stages"][stage]["out"].get<double>()) << stage;
  }
  EXPECT_LE(m[series("slow", "out")], st["stages"]["slow"]["out"].get<double>());

  // The run is over: nothing listens there any more.
  httplib::Client after(url);
  after.set_connection_timeout(1);
  EXPECT_FALSE(after.Get("/healthz"));
}

TEST_F(MetricsE2E, APortInUseOrABadAddressIsAnErrorBeforeTheRun) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string in_use = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  for (const auto& [address, why] : std::vector<std::pair<std::string, std::string>>{
           {in_use, "--metrics '" + in_use + "': cannot listen: Address already in use"},
           {"9464", "--metrics '9464' is not HOST:PORT"},
           {"127.0.0.1:70000", "the port must be a number from 0 to 65535"},
           {"no-such-host.invalid:9464", "cannot resolve 'no-such-host.invalid'"}}) {
    Sluice p({"run", "p.toml", "--metrics", address, "--progress", "never", "--stats-json",
              "stats.json"},
             dir_);
    EXPECT_EQ(p.wait(), 2) << address;
    EXPECT_NE(p.err().find(why), std::string::npos) << p.err();
    EXPECT_FALSE(fs::exists(dir_ / "stats.json")) << "the run never started: " << address;
  }
  ::close(fd);
}

TEST_F(MetricsE2E, TopDrawsTheTableOfARunStartedWithControl) {
  Sluice run({"run", "p.toml", "--control", "127.0.0.1:0", "--progress", "never"}, dir_);
  const std::string addr = wait_for_url(run, R"(control at ([0-9.]+:[0-9]+) )");
  ASSERT_FALSE(addr.empty()) << run.err();

  Sluice top({"top", addr, "--count", "2", "--interval", "0.2"}, dir_);
  ASSERT_EQ(top.wait(std::chrono::seconds(20)), 0) << top.err();
  const std::string table = top.out();
  for (const char* want : {"stage", "rate/s", "fast_out", "slow_out", "running"}) {
    EXPECT_NE(table.find(want), std::string::npos) << want << "\n" << table;
  }
  EXPECT_EQ(lines(table).size(), 2u * (2 + 4 + 1)) << "two frames of title, header, 4 stages\n"
                                                   << table;

  // A control-only server serves no /metrics.
  httplib::Client client("http://" + addr);
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 404);

  run.signal(SIGINT);
  ASSERT_EQ(run.wait(), 130) << run.err();
  Sluice late({"top", addr}, dir_);
  EXPECT_EQ(late.wait(std::chrono::seconds(20)), 1);
  EXPECT_NE(late.err().find("top: no run answers at " + addr + ": cannot connect"),
            std::string::npos)
      << late.err();
}

TEST_F(MetricsE2E, TopOfAServerWithoutControlSaysSo) {
  Sluice run({"run", "p.toml", "--metrics", "127.0.0.1:0", "--progress", "never"}, dir_);
  const std::string url = wait_for_url(run);
  ASSERT_FALSE(url.empty()) << run.err();
  Sluice top({"top", url, "--count", "1"}, dir_);
  EXPECT_EQ(top.wait(std::chrono::seconds(20)), 1);
  EXPECT_NE(top.err().find("HTTP 404 from /control/stats (started with --control?)"),
            std::string::npos)
      << top.err();
  run.signal(SIGINT);
  EXPECT_EQ(run.wait(), 130) << run.err();
}

TEST_F(MetricsE2E, TapPrintsWhatLeavesAStageUntilItsLimitOrTheEndOfTheRun) {
  Sluice run({"run", "p.toml", "--control", "127.0.0.1:0", "--progress", "never"}, dir_);
  const std::string addr = wait_for_url(run, R"(control at ([0-9.]+:[0-9]+) )");
  ASSERT_FALSE(addr.empty()) << run.err();

  Sluice five({"tap", addr, "slow", "--limit", "5", "--rate", "0", "--format", "json"}, dir_);
  ASSERT_EQ(five.wait(std::chrono::seconds(20)), 0) << five.err();
  const auto got = lines(five.out());
  ASSERT_EQ(got.size(), 5u) << five.out();
  std::uint64_t last_seq = 0;
  for (const auto& l : got) {
    const auto j = json::parse(l);
    EXPECT_GT(j["seq"].get<std::uint64_t>(), last_seq) << "in order: " << l;
    last_seq = j["seq"].get<std::uint64_t>();
    EXPECT_NE(j["trace_id"].get<std::uint64_t>(), 0u) << l;
  }

  Sluice nope({"tap", addr, "nope"}, dir_);
  EXPECT_EQ(nope.wait(std::chrono::seconds(20)), 1);
  EXPECT_NE(nope.err().find("tap: no output 'nope' with an edge; the outputs are fast, slow"),
            std::string::npos)
      << nope.err();

  // Without a limit a tap lasts as long as the run, and ends with it.
  Sluice endless({"tap", addr, "slow"}, dir_);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  run.signal(SIGINT);
  ASSERT_EQ(run.wait(), 130) << run.err();
  EXPECT_EQ(endless.wait(std::chrono::seconds(10)), 0) << endless.err();
  EXPECT_FALSE(lines(endless.out()).empty()) << "payload lines while it ran";
}

}  // namespace
