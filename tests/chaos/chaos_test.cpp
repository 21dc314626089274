// Chaos test (issue 14): random valid pipelines of the built-in types, run by
// the real `sluice run --stats-json` with no signal, with `run_for`, with a
// SIGINT / SIGTERM / SIGHUP in the first 10 ms or later, and with two signals (a hard
// cancel), must never crash, never outlive their drain deadline, and must
// write complete stats whose every counter identity holds (accounting.hpp).
//
// Bounded by time, not by a count of cases: SLUICE_CHAOS_SECONDS (default 60)
// of cases, each drawn from its own seed. Environment:
//   SLUICE_CHAOS_SEED=N     the seed of the whole run (default: random, printed)
//   SLUICE_CHAOS_CASE=N     run only the case of that seed (what a failure prints)
//   SLUICE_CHAOS_REPEAT=N   ...that many times (timing matters; default 1)
//   SLUICE_CHAOS_SECONDS=N  time budget (longer local runs: 600)
//   SLUICE_CHAOS_FAILURES=N stop after N failed cases (default 5)
//
//   SLUICE_CHAOS_SECONDS=600 build/release/tests/chaos/chaos_test
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "accounting.hpp"
#include "random_pipeline.hpp"
#include "run_sluice.hpp"

namespace {

namespace fs = std::filesystem;
using Kind = chaos::Scenario::Kind;

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

std::uint64_t mix(std::uint64_t seed, std::uint64_t i) {
  chaos::Rng r(seed ^ (i * 0x9e3779b97f4a7c15ULL));
  return r.next();
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::none:
      return "no signal";
    case Kind::run_for:
      return "run_for";
    case Kind::early_signal:
      return "early signal";
    case Kind::late_signal:
      return "late signal";
    case Kind::two_signals:
      return "two signals";
  }
  return "?";
}

/// The scenario of a case, drawn first from its seed.
chaos::Scenario draw_scenario(chaos::Rng& rng) {
  chaos::Scenario s;
  const long k = rng.range(0, 99);
  s.kind = k < 25   ? Kind::none
           : k < 40 ? Kind::run_for
           : k < 70 ? Kind::early_signal
           : k < 85 ? Kind::late_signal
                    : Kind::two_signals;
  s.signal = rng.pick(std::vector<int>{SIGINT, SIGTERM, SIGTERM, SIGHUP});
  switch (s.kind) {
    case Kind::none:
      break;
    case Kind::run_for:
      s.run_for_ms = rng.range(1, 300);
      break;
    case Kind::early_signal:
      s.first_us = rng.range(0, 10'000);
      break;
    case Kind::late_signal:
      s.first_us = rng.range(10'000, 300'000);
      break;
    case Kind::two_signals:
      s.first_us = rng.range(0, 100'000);
      s.second_us = rng.range(0, 50'000);
      break;
  }
  return s;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Case {
  std::uint64_t seed;
  chaos::Scenario scenario;
  chaos::RandomPipeline pipeline;
  std::string fuse;
};

Case make_case(std::uint64_t seed) {
  chaos::Rng rng(seed);
  Case c{seed, draw_scenario(rng), {}, {}};
  c.pipeline = chaos::random_pipeline(
      rng, {.finite = c.scenario.kind == Kind::none, .run_for_ms = c.scenario.run_for_ms});
  c.scenario.drain_timeout_ms = c.pipeline.drain_timeout_ms;
  c.fuse = rng.pick(std::vector<std::string>{"auto", "auto", "always", "never"});
  return c;
}

/// What is wrong with the run of `c`, one line each (empty: nothing).
std::vector<std::string> judge(const Case& c, const chaos::Outcome& o, const fs::path& dir) {
  std::vector<std::string> problems;
  if (o.hung) {
    problems.push_back("hang: killed after " + std::to_string(o.elapsed_s) + " s");
    return problems;
  }
  if (o.signal_death != 0) {
    problems.push_back("crash: died of signal " + std::to_string(o.signal_death) + " (" +
                       strsignal(o.signal_death) + ")");
    return problems;
  }
  const int interrupted = 128 + c.scenario.signal;
  const bool signalled = o.sent_first;
  if (o.exit_code == 2) {
    problems.push_back("exit 2: the generated pipeline was rejected (a generator bug?)");
    return problems;
  }
  // 3: run_for stopped the run and its drain deadline abandoned work.
  const bool drain_timeout = c.scenario.kind == Kind::run_for && o.exit_code == 3;
  if (o.exit_code != 0 && o.exit_code != 1 && !(signalled && o.exit_code == interrupted) &&
      !drain_timeout) {
    problems.push_back("exit " + std::to_string(o.exit_code) + ": not a documented exit code here");
  }
  const auto stats = nlohmann::json::parse(read(dir / "stats.json"), nullptr, false);
  if (stats.is_discarded()) {
    problems.push_back("stats.json: missing or not JSON");
    return problems;
  }
  const std::string status = stats.value("status", "");
  if (o.exit_code == 0 && status != "ok") problems.push_back("exit 0 with status " + status);
  if (o.exit_code == 1 && status != "failed") problems.push_back("exit 1 with status " + status);
  if ((o.exit_code == 3) != (status == "drain_timeout")) {
    problems.push_back("exit " + std::to_string(o.exit_code) + " with status " + status);
  }
  if (o.exit_code == interrupted && status != "interrupted" && status != "ok") {
    problems.push_back("exit " + std::to_string(o.exit_code) + " with status " + status);
  }
  if (status == "failed" && !c.pipeline.may_fail) {
    problems.push_back("failed, but no stage can fail the run");
  }
  const bool clean = c.scenario.kind == Kind::none && status == "ok";
  bool stuck = false;
  for (const auto& st : c.pipeline.stages) stuck = stuck || (st.stuck && status == "failed");
  for (auto& p : chaos::check_accounting(stats, c.pipeline, {.clean = clean, .stuck = stuck})) {
    problems.push_back(std::move(p));
  }
  return problems;
}

std::string report(const Case& c, std::uint64_t master, const chaos::Outcome& o,
                   const std::vector<std::string>& problems, const fs::path& dir) {
  std::string r = "chaos case " + std::to_string(c.seed) + " (run seed " + std::to_string(master) +
                  "): " + c.scenario.describe() + ", --fuse " + c.fuse + "; exit " +
                  std::to_string(o.exit_code) + " after " + std::to_string(o.elapsed_s) + " s\n";
  r += "reproduce: SLUICE_CHAOS_CASE=" + std::to_string(c.seed) +
       " SLUICE_CHAOS_REPEAT=20 build/release/tests/chaos/chaos_test\n";
  r += "kept in " + dir.string() + "\n";
  for (const auto& p : problems) r += "  " + p + "\n";
  r += "--- pipeline.toml\n" + c.pipeline.toml + "--- stderr\n" + o.stderr_tail + "\n";
  return r;
}

TEST(Chaos, RandomPipelinesUnderSignalsNeverCrashHangOrLoseCount) {
  const std::uint64_t master = env_number("SLUICE_CHAOS_SEED", std::random_device{}());
  const std::uint64_t only = env_number("SLUICE_CHAOS_CASE", 0);
  const std::uint64_t repeat = env_number("SLUICE_CHAOS_REPEAT", 1);
  const auto budget = std::chrono::seconds(env_number("SLUICE_CHAOS_SECONDS", 60));
  const std::uint64_t max_failures = env_number("SLUICE_CHAOS_FAILURES", 5);
  std::printf("chaos: run seed %llu (SLUICE_CHAOS_SEED), budget %llds\n",
              static_cast<unsigned long long>(master), static_cast<long long>(budget.count()));

  const fs::path root = fs::temp_directory_path() / ("sluice_chaos_" + std::to_string(getpid()));
  fs::remove_all(root);
  const auto start = std::chrono::steady_clock::now();
  std::map<std::string, int> seen;  // "scenario kind / exit" -> cases
  int cases = 0;
  std::uint64_t failures = 0;
  for (std::uint64_t i = 0;; ++i) {
    if (only != 0 ? i >= repeat : std::chrono::steady_clock::now() - start >= budget) break;
    const Case c = make_case(only != 0 ? only : mix(master, i));
    const fs::path dir = root / std::to_string(c.seed);
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "pipeline.toml") << c.pipeline.toml;
    if (!c.pipeline.input_file.empty()) {
      std::ofstream in(dir / c.pipeline.input_file);
      for (int n = 1; n <= 300; ++n) in << R"({"n": )" << n << R"(, "u": "u)" << n % 7 << "\"}\n";
    }
    const auto o = chaos::run_sluice(dir,
                                     {"run", "pipeline.toml", "--stats-json", "stats.json",
                                      "--progress", "never", "--fuse", c.fuse},
                                     c.scenario, {});
    ++cases;
    ++seen[std::string(kind_name(c.scenario.kind)) + " -> exit " + std::to_string(o.exit_code)];
    const auto problems = judge(c, o, dir);
    if (problems.empty()) {
      fs::remove_all(dir);
      continue;
    }
    ADD_FAILURE() << report(c, master, o, problems, dir);
    if (++failures == max_failures) break;  // enough to read; the rest would repeat them
  }
  for (const auto& [what, n] : seen) std::printf("chaos: %4d x %s\n", n, what.c_str());
  std::printf("chaos: %d cases in %.1f s, %llu failed\n", cases,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
              static_cast<unsigned long long>(failures));
  EXPECT_GE(cases, only != 0 ? 1 : 10) << "too few cases ran to mean anything";
  if (failures == 0) fs::remove_all(root);
}

}  // namespace
