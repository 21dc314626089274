// run_sluice must see a hang and a signal's exit, or the chaos test could
// pass runs that never end.
#include "run_sluice.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

class RunSluice : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sluice_run_sluice_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "endless.toml")
        << "[pipeline]\ndrain_timeout = \"50ms\"\n"
           "[stages.src]\ntype = \"generate\"\ncount = 0\n"
           "rate = 1000.0\n"
           "[stages.out]\ntype = \"discard\"\ninputs = [\"src\"]\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(RunSluice, ARunThatOutlivesItsDeadlineIsKilledAsAHang) {
  chaos::Scenario none;
  const auto o =
      chaos::run_sluice(dir_, {"run", "endless.toml"}, none, {.natural_ms = 300, .margin_ms = 0});
  EXPECT_TRUE(o.hung);
  EXPECT_GE(o.elapsed_s, 0.3);
  EXPECT_LT(o.elapsed_s, 10.0);
}

TEST_F(RunSluice, ASignalEndsTheRunWithItsExitCode) {
  chaos::Scenario late{.kind = chaos::Scenario::Kind::late_signal,
                       .signal = SIGTERM,
                       .first_us = 300'000,
                       .drain_timeout_ms = 50};
  const auto o =
      chaos::run_sluice(dir_, {"run", "endless.toml", "--stats-json", "stats.json"}, late, {});
  EXPECT_FALSE(o.hung);
  EXPECT_TRUE(o.sent_first);
  EXPECT_EQ(o.signal_death, 0);
  EXPECT_EQ(o.exit_code, 128 + SIGTERM) << o.stderr_tail;
  EXPECT_TRUE(fs::exists(dir_ / "stats.json"));
}

}  // namespace
