// The HTTP server of `sluice run --metrics ADDR`, `--control ADDR` and `--ui
// ADDR`: /metrics (Prometheus text, prometheus.hpp), /control/stats (what
// `sluice top` draws, remote_stats.hpp) and the live page (ui_server.hpp),
// with /healthz and /ready on any, served by cpp-httplib on its own threads
// (a listener and a few workers) from the same live stats the progress table
// reads. It listens from bind() on.
//
//   std::string error;
//   auto server = MetricsServer::bind("127.0.0.1:9464", "--metrics", {.metrics = true}, error);
//   if (!server) { print(error); return 2; }
//   pipeline.start();
//   server->start(pipeline, instances);  // 503 until then
//   server->set_ready(true);
//   ... pipeline.wait(); server->stop();   // the port is free again
//
// A scrape takes a stats snapshot, as a redraw of the table does: it never
// holds up a stage. Thread-safety: set_ready() may be called from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "progress.hpp"
#include "sluice/pipeline.hpp"
#include "sluice/stats.hpp"
#include "tap_queue.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace sluice::cli {

struct UiAssets;
class UiRates;

class MetricsServer {
 public:
  /// Which paths it serves besides /healthz and /ready.
  struct Endpoints {
    bool metrics{false};                   ///< /metrics
    bool control{false};                   ///< /control/stats and /control/tap (control_tap.cpp)
    std::shared_ptr<const UiAssets> ui{};  ///< non-null: /, /graph.svg, /ui.json (ui_server.cpp)
  };
  /// Listens on `address` (HOST:PORT, listen_address.hpp) now, so that a bad
  /// address or a port in use is found before the run starts; nullptr and
  /// `error` (naming `flag`) saying why when it cannot.
  static std::unique_ptr<MetricsServer> bind(std::string_view address, std::string_view flag,
                                             Endpoints endpoints, std::string& error);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  /// The run it reports on from now on (503 before), once it has started:
  /// its stats are read per request, on a server thread, until stop().
  void start(Pipeline& pipeline, Instances instances);
  /// What /ready answers: 200 while true, 503 before and after.
  void set_ready(bool ready) noexcept { ready_.store(ready, std::memory_order_relaxed); }
  /// Ends the taps, stops serving and closes the socket; after it the
  /// pipeline is not used again. Idempotent.
  void stop();
  /// http://HOST:PORT, with the port the system gave for port 0.
  [[nodiscard]] const std::string& url() const noexcept { return url_; }

 private:
  MetricsServer();
  void serve(Endpoints endpoints);  ///< registers the handlers and starts listening
  /// GET /control/tap?from=STAGE[.PORT]&rate=R&limit=N&format=json|payload:
  /// the tapped messages, streamed as lines (control_tap.cpp).
  void tap(const httplib::Request& req, httplib::Response& res);
  void end_tap(const std::shared_ptr<TapQueue>& queue);
  void serve_ui(std::shared_ptr<const UiAssets> ui);  ///< registers the live page's paths

  std::unique_ptr<httplib::Server> server_;
  std::mutex mu_;  ///< guards pipeline_, instances_, taps_ and ui_rates_
  Pipeline* pipeline_{nullptr};
  Instances instances_;
  std::vector<std::shared_ptr<TapQueue>> taps_;  ///< streaming now
  std::unique_ptr<UiRates> ui_rates_;            ///< the live page's, from its first poll
  std::atomic<bool> ready_{false};
  std::string url_;
  std::thread thread_;
};

}  // namespace sluice::cli
