// `sluice run --ui ADDR` through the binary and a real browser (issue 18):
// headless Chromium loads the live page during a run, its JavaScript fills in
// the numbers, and the rendered DOM names every stage with non-zero rates; a
// screenshot lands in the build folder (ui.png). Without Graphviz's `dot` the
// page says why it has no drawing and the run goes on; the page shares a
// server with --metrics given the same address, and a bad address is an
// error before the run. Skipped, saying so, where Chromium is not installed
// (scripts/setup.sh --test-tools installs it).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "e2e_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support
using Clock = std::chrono::steady_clock;

/// An endless pipeline with a dead-letter port and a breaker to draw.
constexpr const char* kPipeline = R"([stages.events]
type = "generate"
rate = 400
payload = '{{"n": {seq}}}'

[stages.validate]
type = "fail"
inputs = ["events"]
when = "seq % 50 == 0"
kind = "permanent"
on_error = "dead_letter"

[stages.call]
type = "fail"
inputs = ["validate"]
probability = 0.1
attempts = 1
seed = 7
retry = { max_attempts = 3, initial_backoff = "1ms", max_backoff = "5ms" }
circuit_breaker = { failure_rate = 0.9, window = 100, min_calls = 50, open_for = "50ms", half_open_calls = 3 }

[stages.good]
type = "discard"
inputs = ["call"]

[stages.failed]
type = "discard"
inputs = ["validate.dead_letter"]
)";

const std::vector<std::string> kStages = {"events", "validate", "call", "good", "failed"};

/// The browser's path, or "" where there is none.
std::string find_chromium() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    auto end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const fs::path candidate = fs::path(dirs.substr(start, end - start)) / "chromium";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return {};
}

/// Runs `argv` in a process group of its own with stdout into `out`; the
/// whole group (a browser's helpers too) is killed after `timeout` and when
/// it ends. The exit code, or -1 on timeout.
int run_bounded(const std::vector<std::string>& argv, const fs::path& out,
                std::chrono::seconds timeout) {
  const pid_t pid = fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    const int in = ::open("/dev/null", O_RDONLY);
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open((out.string() + ".stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::vector<char*> args;
    std::vector<std::string> copy = argv;
    for (auto& a : copy) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // as the child does: whichever runs first
  const auto deadline = Clock::now() + timeout;
  int status = 0;
  int code = -1;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (Clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid, SIGKILL);  // what it left running
  return code;
}

/// SIGINT to a run, then its exit code.
int stop(Sluice& run) {
  run.signal(SIGINT);
  return run.wait(std::chrono::seconds(30));
}

class UiE2E : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    write("p.toml", kPipeline);
  }

  /// What the run's log line names, once it has printed it.
  static std::string wait_for(const Sluice& p, const std::string& pattern) {
    const std::regex re(pattern);
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline) {
      std::smatch m;
      const std::string err = p.err();
      if (std::regex_search(err, m, re)) return m[1].str();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return {};
  }
};

/// The text of the last <text> of the SVG group with this id: the line the
/// page writes its numbers on.
std::optional<std::string> numbers_line(const std::string& dom, const std::string& id) {
  const auto start = dom.find("<g id=\"" + id + "\"");
  if (start == std::string::npos) return std::nullopt;
  const auto end = dom.find("</g>", start);
  const std::string group = dom.substr(start, end - start);
  const std::regex text_re(R"(<text[^>]*>([^<]*)</text>)");
  std::optional<std::string> last;
  for (auto it = std::sregex_iterator(group.begin(), group.end(), text_re);
       it != std::sregex_iterator(); ++it) {
    last = (*it)[1].str();
  }
  return last;
}

/// "12.3k/s ..." as messages a second.
double rate_of(const std::string& label) {
  std::smatch m;
  if (!std::regex_search(label, m, std::regex(R"(^([0-9.]+)(k|M)?/s)"))) return -1;
  const double r = std::stod(m[1].str());
  return m[2] == "k" ? r * 1e3 : m[2] == "M" ? r * 1e6 : r;
}

TEST_F(UiE2E, ChromiumRendersTheGraphWithEveryStageAndItsRates) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) {
    GTEST_SKIP() << "chromium is not installed: `scripts/setup.sh --test-tools` installs it "
                    "(apt-get install chromium); the live page was not loaded in a browser";
  }
  Sluice run({"run", "p.toml", "--ui", "127.0.0.1:0", "--progress", "never"}, dir_);
  const std::string url = wait_for(run, R"(live page at (http://[0-9.]+:[0-9]+)/)");
  ASSERT_FALSE(url.empty()) << run.err();

  // --virtual-time-budget: the page's timers run (three polls of /ui.json)
  // before the DOM is printed.
  const std::vector<std::string> browser = {chromium, "--headless", "--disable-gpu", "--no-sandbox",
                                            "--user-data-dir=" + (dir_ / "profile").string()};
  auto with = [&browser](std::vector<std::string> more) {
    std::vector<std::string> all = browser;
    all.insert(all.end(), more.begin(), more.end());
    return all;
  };
  const fs::path dom_file = dir_ / "dom.html";
  ASSERT_EQ(run_bounded(with({"--virtual-time-budget=3000", "--dump-dom", url + "/"}), dom_file,
                        std::chrono::seconds(120)),
            0)
      << read(dom_file.string() + ".stderr");
  const std::string dom = read(dom_file);

  EXPECT_NE(dom.find("<div id=\"status\" class=\"\">running, "), std::string::npos)
      << "the page's script has read /ui.json\n"
      << dom;
  for (const auto& stage : kStages) {
    EXPECT_NE(dom.find("<td class=\"name\">" + stage + "</td>"), std::string::npos)
        << stage << " in the table\n"
        << dom;
    EXPECT_NE(dom.find(">" + stage + "</text>"), std::string::npos) << stage << " in the drawing\n"
                                                                    << dom;
  }
  // The table's rows come from the script alone: the stages messages pass
  // through show what they took.
  for (const char* stage : {"validate", "call", "good"}) {
    const std::regex cell("<td class=\"name\">" + std::string(stage) +
                          R"(</td><td class="in_rate">([0-9.]+)(k|M)?</td>)");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(dom, m, cell)) << stage << "\n" << dom;
    EXPECT_GT(std::stod(m[1].str()), 0.0) << stage;
  }
  // The edges along the main line (edge_0..2: into validate, call, good)
  // carry about 400 a second, not the layout's placeholder (100.0k/s).
  for (const char* edge : {"edge_0", "edge_1", "edge_2"}) {
    const auto label = numbers_line(dom, edge);
    ASSERT_TRUE(label) << edge << "\n" << dom;
    const double r = rate_of(*label);
    EXPECT_GT(r, 0.0) << edge << ": " << *label;
    EXPECT_LT(r, 5000.0) << edge << ": " << *label;
  }
  const auto breaker = numbers_line(dom, "stage_2");
  ASSERT_TRUE(breaker);
  EXPECT_TRUE(std::regex_match(*breaker, std::regex("breaker (closed|open|half_open)")))
      << *breaker;

  const fs::path png = fs::path(SLUICE_BUILD_DIR) / "ui.png";
  fs::remove(png);
  ASSERT_EQ(run_bounded(with({"--virtual-time-budget=3000", "--screenshot=" + png.string(),
                              "--window-size=1200,800", url + "/"}),
                        dir_ / "screenshot.txt", std::chrono::seconds(120)),
            0)
      << read(dir_ / "screenshot.txt.stderr");
  ASSERT_TRUE(fs::exists(png));
  const std::string image = read(png);
  ASSERT_GT(image.size(), 24u);
  EXPECT_EQ(image.substr(0, 8), "\x89PNG\r\n\x1a\n");
  auto be32 = [&image](std::size_t at) {
    return (static_cast<std::uint32_t>(static_cast<unsigned char>(image[at])) << 24) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(image[at + 1])) << 16) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(image[at + 2])) << 8) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(image[at + 3]));
  };
  EXPECT_EQ(be32(16), 1200u) << "IHDR width";
  EXPECT_EQ(be32(20), 800u) << "IHDR height";
  // A blank 1200x800 page compresses to a few KiB; the graph and its table do not.
  EXPECT_GT(image.size(), 15000u);

  EXPECT_EQ(stop(run), 130) << run.err();
}

TEST_F(UiE2E, WithoutDotThePageSaysWhyAndTheRunGoesOn) {
  // A PATH with no `dot` on it, for the run alone (execv finds sluice by its path).
  const fs::path empty = dir_ / "empty-path";
  fs::create_directories(empty);
  const std::string old_path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  ::setenv("PATH", empty.c_str(), 1);
  Sluice run({"run", "p.toml", "--ui", "127.0.0.1:0", "--progress", "never"}, dir_);
  ::setenv("PATH", old_path.c_str(), 1);
  const std::string url = wait_for(run, R"(live page at (http://[0-9.]+:[0-9]+)/)");
  ASSERT_FALSE(url.empty()) << run.err();
  EXPECT_NE(run.err().find("--ui: the page has no drawing of the graph: the Graphviz `dot` "
                           "command is not installed (Debian: apt-get install graphviz)"),
            std::string::npos)
      << run.err();

  httplib::Client client(url);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  auto page = client.Get("/");
  ASSERT_TRUE(page) << httplib::to_string(page.error());
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(page->body.find("No drawing of the graph: the Graphviz `dot` command is not installed"),
            std::string::npos);
  auto svg = client.Get("/graph.svg");
  ASSERT_TRUE(svg);
  EXPECT_EQ(svg->status, 404);

  // The numbers are there all the same.
  json doc;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    auto r = client.Get("/ui.json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    doc = json::parse(r->body);
    if (doc["stages"][3]["in_rate"].get<double>() > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(doc["stages"][3]["name"], "good");
  EXPECT_GT(doc["stages"][3]["in_rate"].get<double>(), 0.0) << doc.dump();
  EXPECT_EQ(stop(run), 130) << run.err();
}

TEST_F(UiE2E, SharesTheServerOfMetricsAtTheSameAddressAndServesTheDrawing) {
  Sluice run(
      {"run", "p.toml", "--metrics", "127.0.0.1:0", "--ui", "127.0.0.1:0", "--progress", "never"},
      dir_);
  const std::string url =
      wait_for(run, R"(metrics at (http://[0-9.]+:[0-9]+)/metrics; live page at http://)");
  ASSERT_FALSE(url.empty()) << run.err();
  httplib::Client client(url);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  for (const char* path : {"/metrics", "/", "/ui.json", "/healthz"}) {
    auto r = client.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path << ": " << r->body;
  }
  auto svg = client.Get("/graph.svg");
  ASSERT_TRUE(svg);
  if (svg->status == 404 && svg->body.find("not installed") != std::string::npos) {
    GTEST_SKIP() << "Graphviz's dot is not installed: " << svg->body;
  }
  ASSERT_EQ(svg->status, 200) << svg->body;
  EXPECT_EQ(svg->get_header_value("Content-Type"), "image/svg+xml");
  for (const char* id : {"stage_0", "stage_4", "edge_0", "edge_3"}) {
    EXPECT_NE(svg->body.find(std::string("<g id=\"") + id + "\""), std::string::npos) << id;
  }
  EXPECT_EQ(stop(run), 130) << run.err();
}

TEST_F(UiE2E, ABadAddressIsAnErrorBeforeTheRun) {
  Sluice p({"run", "p.toml", "--ui", "9464", "--progress", "never", "--stats-json", "stats.json"},
           dir_);
  EXPECT_EQ(p.wait(), 2);
  EXPECT_NE(p.err().find("--ui '9464' is not HOST:PORT"), std::string::npos) << p.err();
  EXPECT_FALSE(fs::exists(dir_ / "stats.json"));
}

}  // namespace
