// Tracer: the file is one JSON document whatever was recorded and however
// many threads recorded it; each event carries what Perfetto reads (name,
// ph, ts, pid, tid; dur on spans); each thread gets its own track, and a
// full buffer is written out by its thread while others record (a stress
// case for ThreadSanitizer: runtime_test is labelled sanitize).
#include "runtime/tracer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sluice/clock.hpp"
#include "sluice/resilience.hpp"

namespace sluice::detail {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Role = Tracer::Role;

class TracerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::temp_directory_path() /
            ("sluice_tracer_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
  }
  void TearDown() override { fs::remove(path_); }

  Tracer::Config config(std::size_t buffer = 16384) const {
    Tracer::Config c;
    c.path = path_.string();
    c.sample = 1;
    c.process = "p";
    c.stages = {"src", "map \"quoted\"", "sink"};
    c.edges = {"src -> map", "map -> sink"};
    c.buffer_events = buffer;
    return c;
  }

  json events() const {
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    const json doc = json::parse(ss.str());  // throws on anything but one valid document
    EXPECT_TRUE(doc.contains("traceEvents"));
    return doc["traceEvents"];
  }

  static std::int64_t now() { return SteadyClock::instance().now(); }

  fs::path path_;
};

/// What Perfetto's JSON importer needs of every event.
void expect_perfetto_fields(const json& e) {
  for (const char* field : {"name", "ph", "ts", "pid", "tid"}) {
    EXPECT_TRUE(e.contains(field)) << field << " missing in " << e.dump();
  }
  EXPECT_TRUE(e["ts"].is_number()) << e.dump();
  if (e["ph"] == "X") {
    EXPECT_TRUE(e.contains("dur") && e["dur"].is_number()) << e.dump();
  }
}

TEST_F(TracerTest, EveryKindOfEventMakesOneValidDocument) {
  {
    Tracer t(config());
    const std::int64_t t0 = now();
    t.turn(Role::worker, 1, 2, t0, t0 + 1500, 256, 255);
    t.retry(Role::worker, 1, 2, t0 + 10, 2, 4'000'000, 77);
    t.breaker(Role::worker, 1, 2, t0 + 20, static_cast<int>(CircuitBreaker::State::closed),
              static_cast<int>(CircuitBreaker::State::open));
    t.stage_drop(Role::worker, 1, 2, t0 + 1500, 3);
    t.edge_drop(Role::timer, 0, t0 + 30, 5);
    t.timer_wake(Role::timer, 1, 0, t0 + 40);
    t.depth(Role::timer, 1, t0 + 50, 12);
    t.hop(Role::worker, Tracer::Hop::start, 0, t0 + 60, 99);
    t.hop(Role::worker, Tracer::Hop::step, 1, t0 + 70, 99);
    t.hop(Role::worker, Tracer::Hop::end, 2, t0 + 80, 99);
    EXPECT_EQ(t.finish(), "");
    EXPECT_EQ(t.finish(), "");  // once; later calls say the same
  }
  const json ev = events();
  std::map<std::string, json> by_name;
  std::vector<json> drops;
  for (const json& e : ev) {
    expect_perfetto_fields(e);
    by_name[e["name"].get<std::string>() + "/" + e["ph"].get<std::string>()] = e;
    if (e["name"] == "drop") drops.push_back(e);
  }
  const json& span = by_name.at("map \"quoted\"/X");
  EXPECT_EQ(span["args"]["stage"], "map \"quoted\"");
  EXPECT_EQ(span["args"]["instance"], 2);
  EXPECT_EQ(span["args"]["taken"], 256);
  EXPECT_EQ(span["args"]["emitted"], 255);
  EXPECT_DOUBLE_EQ(span["dur"].get<double>(), 1.5);  // microseconds
  EXPECT_EQ(by_name.at("retry/i")["args"]["attempt"], 2);
  EXPECT_DOUBLE_EQ(by_name.at("retry/i")["args"]["delay_ms"].get<double>(), 4.0);
  EXPECT_EQ(by_name.at("retry/i")["args"]["trace_id"], 77);
  EXPECT_EQ(by_name.at("breaker closed -> open/i")["args"]["to"], "open");
  ASSERT_EQ(drops.size(), 2u);
  EXPECT_EQ(drops[0]["args"]["stage"], "map \"quoted\"");
  EXPECT_EQ(drops[0]["args"]["count"], 3);
  EXPECT_EQ(drops[1]["args"]["edge"], "src -> map");
  EXPECT_EQ(drops[1]["args"]["count"], 5);
  EXPECT_EQ(by_name.at("timer wake/i")["args"]["stage"], "map \"quoted\"");
  EXPECT_EQ(by_name.at("depth map -> sink/C")["args"]["depth"], 12);
  EXPECT_EQ(by_name.at("message/s")["id"], 99);
  EXPECT_EQ(by_name.at("message/t")["args"]["stage"], "map \"quoted\"");
  EXPECT_EQ(by_name.at("message/f")["bp"], "e");  // binds to the turn it is in
  EXPECT_EQ(by_name.at("process_name/M")["args"]["name"], "sluice p");
  std::set<std::string> tracks;
  for (const json& e : ev) {
    if (e["name"] == "thread_name") tracks.insert(e["args"]["name"].get<std::string>());
  }
  EXPECT_EQ(tracks, (std::set<std::string>{"worker 1"}))
      << "one thread recorded: one track, named by the first role it recorded as";
}

TEST_F(TracerTest, AnEmptyTraceIsStillAValidDocument) {
  { Tracer t(config()); }  // the destructor finishes it
  const json ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["name"], "process_name");
}

TEST_F(TracerTest, AFileThatCannotBeOpenedIsAnError) {
  Tracer::Config c = config();
  c.path = (fs::temp_directory_path() / "no-such-folder-sluice" / "t.json").string();
  EXPECT_THROW(Tracer{c}, std::runtime_error);
}

TEST_F(TracerTest, SamplingDependsOnTheTraceIdAloneAndHitsItsShare) {
  Tracer::Config c = config();
  c.sample = 0.01;
  Tracer t(c);
  std::size_t hits = 0;
  constexpr std::uint64_t kIds = 200'000;
  for (std::uint64_t id = 1; id <= kIds; ++id) hits += t.sampled(id) ? 1 : 0;
  EXPECT_NEAR(static_cast<double>(hits) / kIds, 0.01, 0.002) << "consecutive ids";
  std::uint64_t x = 12345;
  hits = 0;
  for (std::uint64_t i = 0; i < kIds; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;  // random-looking ids
    hits += t.sampled(x) ? 1 : 0;
    EXPECT_EQ(t.sampled(x), t.sampled(x));
  }
  EXPECT_NEAR(static_cast<double>(hits) / kIds, 0.01, 0.002) << "random ids";
  EXPECT_FALSE(t.sampled(0)) << "no id: no flow";

  c.sample = 1;
  c.path += ".all";
  Tracer all(c);
  for (std::uint64_t id : {std::uint64_t{1}, std::uint64_t{42}, ~std::uint64_t{0}}) {
    EXPECT_TRUE(all.sampled(id));
  }
  (void)all.finish();
  fs::remove(c.path);
  c.sample = 0;
  c.path += ".none";
  Tracer none(c);
  EXPECT_FALSE(none.samples());
  EXPECT_FALSE(none.sampled(42));
  (void)none.finish();
  fs::remove(c.path);
}

TEST_F(TracerTest, FlowIdsAreExactAsJsonNumbers) {
  EXPECT_LT(Tracer::flow_id(~std::uint64_t{0}), std::uint64_t{1} << 53);
  EXPECT_EQ(Tracer::flow_id(12345), 12345u);
}

// Threads record at once into small buffers, so that they write out while
// the others record; every event arrives, on its own thread's track, in order.
TEST_F(TracerTest, EachThreadRecordsIntoItsOwnBufferAndTrack) {
  constexpr int kThreads = 4;
  constexpr int kTurns = 5000;
  {
    Tracer t(config(/*buffer=*/64));
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&t, i] {
        std::int64_t ts = now();
        for (int n = 0; n < kTurns; ++n, ts += 1000) {
          t.turn(i % 2 == 0 ? Role::worker : Role::io, 1, static_cast<std::uint32_t>(i), ts,
                 ts + 500, static_cast<std::uint64_t>(n), 1);
          if (n % 100 == 0) t.hop(Role::worker, Tracer::Hop::step, 1, ts + 1, n + 1);
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(t.finish(), "");
  }
  const json ev = events();
  std::map<int, std::vector<std::uint64_t>> taken_by_tid;
  std::map<int, int> instance_of_tid;
  std::map<int, std::string> name_of_tid;
  for (const json& e : ev) {
    expect_perfetto_fields(e);
    const int tid = e["tid"].get<int>();
    if (e["ph"] == "X") {
      taken_by_tid[tid].push_back(e["args"]["taken"].get<std::uint64_t>());
      const int instance = e["args"]["instance"].get<int>();
      EXPECT_EQ(instance_of_tid.emplace(tid, instance).first->second, instance)
          << "one thread's events on one track";
    }
    if (e["name"] == "thread_name") name_of_tid[tid] = e["args"]["name"].get<std::string>();
  }
  ASSERT_EQ(taken_by_tid.size(), static_cast<std::size_t>(kThreads));
  for (const auto& [tid, taken] : taken_by_tid) {
    ASSERT_EQ(taken.size(), static_cast<std::size_t>(kTurns)) << "tid " << tid;
    for (std::size_t n = 0; n < taken.size(); ++n) ASSERT_EQ(taken[n], n) << "in order";
  }
  std::set<std::string> names;
  for (const auto& [tid, name] : name_of_tid) names.insert(name);
  EXPECT_EQ(names, (std::set<std::string>{"worker 1", "worker 2", "io 1", "io 2"}));
}

// Two tracers, one after the other, on the same threads: no event of the
// second goes to the first's (gone) buffers.
TEST_F(TracerTest, ASecondTracerOnTheSameThreadStartsItsOwnBuffer) {
  for (int round = 0; round < 2; ++round) {
    {
      Tracer t(config());
      t.turn(Role::worker, 0, 0, now(), now() + 10, 1, 1);
      EXPECT_EQ(t.finish(), "");
    }
    std::size_t spans = 0;
    for (const json& e : events()) spans += e["ph"] == "X" ? 1 : 0;
    EXPECT_EQ(spans, 1u) << "round " << round;
  }
}

}  // namespace
}  // namespace sluice::detail
