// sluice top ADDR: the progress table (progress.hpp) of a run started with
// `--control ADDR`, redrawn from its /control/stats every --interval, until
// the run ends (its server goes away) or --count frames are drawn.
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>

#include "commands.hpp"
#include "error_lines.hpp"
#include "listen_address.hpp"
#include "progress.hpp"
#include "remote_stats.hpp"

namespace sluice::cli {
namespace {

/// The run's stats now; nullopt, with `why` set, when its server does not answer.
std::optional<RemoteStats> fetch(httplib::Client& client, std::string& why) {
  auto res = client.Get("/control/stats");
  if (!res) {
    why = res.error() == httplib::Error::Connection ? "cannot connect"
                                                    : httplib::to_string(res.error());
    return std::nullopt;
  }
  if (res->status != 200) {
    why = "HTTP " + std::to_string(res->status) + " from /control/stats (started with --control?)";
    return std::nullopt;
  }
  try {
    return parse_control_stats(res->body);
  } catch (const std::invalid_argument& e) {
    why = e.what();
    return std::nullopt;
  }
}

}  // namespace

int top_command(const TopArgs& args) {
  const auto addr = parse_connect_address(args.address);
  if (const auto* why = std::get_if<std::string>(&addr)) {
    print_error("top: " + *why);
    return kExitUsage;
  }
  const ListenAddress& a = std::get<ListenAddress>(addr);
  httplib::Client client(a.host, a.port);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  std::string why;
  auto before = fetch(client, why);
  // A run that is still starting answers 503 for a moment.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!before && why.rfind("HTTP 503", 0) == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    before = fetch(client, why);
  }
  if (!before) {
    print_error("top: no run answers at " + args.address + ": " + why);
    return kExitFailed;
  }
  const bool tty = isatty(STDOUT_FILENO) == 1 && args.count == 0;
  const auto period = std::chrono::duration<double>(args.interval_s);
  auto before_t = std::chrono::steady_clock::now();
  std::size_t drawn_lines = 0;
  for (std::size_t frames = 0; args.count == 0 || frames < args.count; ++frames) {
    std::this_thread::sleep_for(period);
    auto now = fetch(client, why);
    if (!now) {  // the run has ended and its server with it
      std::fprintf(stderr, "sluice top: the run at %s has ended\n", args.address.c_str());
      return kExitOk;
    }
    const auto now_t = std::chrono::steady_clock::now();
    double interval = now->stats.elapsed_s - before->stats.elapsed_s;
    if (interval <= 0) interval = std::chrono::duration<double>(now_t - before_t).count();
    const std::string frame = render_progress(before->stats, now->stats, interval, now->instances);
    if (tty && drawn_lines > 0) std::printf("\x1b[%zuA\r\x1b[J", drawn_lines);  // over the last
    std::fputs(frame.c_str(), stdout);
    if (!tty) std::fputc('\n', stdout);
    std::fflush(stdout);
    drawn_lines = static_cast<std::size_t>(std::count(frame.begin(), frame.end(), '\n'));
    if (now->stats.status != "running") return kExitOk;
    before = std::move(now);
    before_t = now_t;
  }
  return kExitOk;
}

}  // namespace sluice::cli
