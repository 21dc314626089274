// The HTTP server of `sluice run --metrics ADDR` and `--control ADDR`:
// /metrics (Prometheus text, prometheus.hpp) and /control/stats (what `sluice
// top` draws, remote_stats.hpp), with /healthz and /ready on either, served by
// cpp-httplib on its own threads (a listener and two workers) from the same
// live stats the progress table reads. It listens from bind() on.
//
//   std::string error;
//   auto server = MetricsServer::bind("127.0.0.1:9464", "--metrics", {.metrics = true}, error);
//   if (!server) { print(error); return 2; }
//   server->start([&] { return pipeline.stats(); }, instances);  // 503 until then
//   pipeline.start(); server->set_ready(true);
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

#include "progress.hpp"
#include "sluice/stats.hpp"

namespace httplib {
class Server;
}

namespace sluice::cli {

class MetricsServer {
 public:
  /// Which paths it serves besides /healthz and /ready.
  struct Endpoints {
    bool metrics{false};  ///< /metrics
    bool control{false};  ///< /control/stats
  };
  /// Listens on `address` (HOST:PORT, listen_address.hpp) now, so that a bad
  /// address or a port in use is found before the run starts; nullptr and
  /// `error` (naming `flag`) saying why when it cannot.
  static std::unique_ptr<MetricsServer> bind(std::string_view address, std::string_view flag,
                                             Endpoints endpoints, std::string& error);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  /// What /metrics reports from now on (503 before); called per scrape, on a
  /// server thread, until stop().
  void start(std::function<Stats()> snapshot, Instances instances);
  /// What /ready answers: 200 while true, 503 before and after.
  void set_ready(bool ready) noexcept { ready_.store(ready, std::memory_order_relaxed); }
  /// Stops serving and closes the socket; after it `snapshot` is not called
  /// again. Idempotent.
  void stop();
  /// http://HOST:PORT, with the port the system gave for port 0.
  [[nodiscard]] const std::string& url() const noexcept { return url_; }

 private:
  MetricsServer();
  void serve(Endpoints endpoints);  ///< registers the handlers and starts listening

  std::unique_ptr<httplib::Server> server_;
  std::mutex mu_;  ///< guards snapshot_
  std::function<Stats()> snapshot_;
  Instances instances_;
  std::atomic<bool> ready_{false};
  std::string url_;
  std::thread thread_;
};

}  // namespace sluice::cli
