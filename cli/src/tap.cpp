// sluice tap ADDR STAGE[.PORT]: prints the messages leaving one output of a
// run started with `--control ADDR`, as the run's /control/tap streams them
// (control_tap.cpp), until --limit, the end of the run or Ctrl-C.
#include <httplib.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <variant>

#include "commands.hpp"
#include "error_lines.hpp"
#include "listen_address.hpp"

namespace sluice::cli {

int tap_command(const TapArgs& args) {
  // A closed stdout (`| head`) ends the tap quietly: the write fails, not the process.
  std::signal(SIGPIPE, SIG_IGN);
  const auto addr = parse_connect_address(args.address);
  if (const auto* why = std::get_if<std::string>(&addr)) {
    print_error("tap: " + *why);
    return kExitUsage;
  }
  const ListenAddress& a = std::get<ListenAddress>(addr);
  httplib::Client client(a.host, a.port);
  client.set_connection_timeout(2);
  // A quiet output sends nothing for as long as it is quiet.
  client.set_read_timeout(24 * 3600);
  const httplib::Params params = {{"from", args.output},
                                  {"rate", std::to_string(args.rate)},
                                  {"limit", std::to_string(args.limit)},
                                  {"format", args.format}};
  int status = 0;
  std::string refusal;  // the body of an answer other than 200
  bool output_failed = false;
  bool answered = false;  // an HTTP answer came (whatever its status)
  auto error = httplib::Error::Success;
  // A run that is still starting (or its server) answers 503 for a moment.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    status = 0;
    refusal.clear();
    auto res = client.Get(
        "/control/tap", params, httplib::Headers{},
        [&status](const httplib::Response& r) {
          status = r.status;
          return true;
        },
        [&](const char* data, std::size_t n) {
          if (status != 200) {
            refusal.append(data, n);
            return true;
          }
          if (std::fwrite(data, 1, n, stdout) != n || std::fflush(stdout) != 0) {
            output_failed = true;  // stdout closed (| head): stop quietly
            return false;
          }
          return true;
        });
    answered = static_cast<bool>(res) || status != 0;
    error = res.error();
    if (status != 503 || std::chrono::steady_clock::now() >= give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (output_failed) return kExitOk;
  if (!answered) {
    print_error("tap: no run answers at " + args.address + ": " +
                (error == httplib::Error::Connection ? std::string("cannot connect")
                                                     : httplib::to_string(error)));
    return kExitFailed;
  }
  if (status == 404 && refusal.empty()) {
    print_error("tap: " + args.address + " serves no /control/tap (started with --control?)");
    return kExitFailed;
  }
  if (status != 200) {
    while (!refusal.empty() && refusal.back() == '\n') refusal.pop_back();
    print_error("tap: " + refusal);
    return status == 400 ? kExitUsage : kExitFailed;
  }
  return kExitOk;  // the limit, or the run ended
}

}  // namespace sluice::cli
