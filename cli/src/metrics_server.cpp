#include "metrics_server.hpp"

#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "listen_address.hpp"
#include "process_stats.hpp"
#include "prometheus.hpp"
#include "remote_stats.hpp"
#include "ui_server.hpp"

namespace sluice::cli {
namespace {

/// Why `host` does not resolve, or "" when it does.
std::string resolve_error(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), "0", &hints, &found);
  if (found != nullptr) ::freeaddrinfo(found);
  return rc == 0 ? std::string() : std::string(::gai_strerror(rc));
}

}  // namespace

MetricsServer::MetricsServer() : server_(std::make_unique<httplib::Server>()) {}

MetricsServer::~MetricsServer() { stop(); }

std::unique_ptr<MetricsServer> MetricsServer::bind(std::string_view address, std::string_view flag,
                                                   Endpoints endpoints, std::string& error) {
  auto parsed = parse_listen_address(address);
  if (auto* why = std::get_if<std::string>(&parsed)) {
    error = std::string(flag) + " " + *why;
    return nullptr;
  }
  const ListenAddress& a = std::get<ListenAddress>(parsed);
  const std::string where = std::string(flag) + " '" + std::string(address) + "'";
  if (const std::string why = resolve_error(a.host); !why.empty()) {
    error = where + ": cannot resolve '" + a.host + "': " + why;
    return nullptr;
  }
  std::unique_ptr<MetricsServer> s(new MetricsServer());
  // Two threads are plenty for a scraper or two, four with control (a
  // `sluice tap` holds one while it streams) or the live page (a browser
  // asks for several things at once); each request closes its connection,
  // so that stop() never waits out a keep-alive.
  const std::size_t threads = endpoints.control || endpoints.ui ? 4 : 2;
  s->server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s->server_->set_keep_alive_max_count(1);
  errno = 0;
  int port = a.port;
  if (port == 0) {
    port = s->server_->bind_to_any_port(a.host);
  } else if (!s->server_->bind_to_port(a.host, port)) {
    port = -1;
  }
  if (port < 0) {
    const int e = errno;
    error = where + ": cannot listen: " + (e != 0 ? std::strerror(e) : "bind failed");
    return nullptr;
  }
  const bool v6 = a.host.find(':') != std::string::npos;
  s->url_ = "http://" + (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(port);
  s->serve(std::move(endpoints));
  return s;
}

void MetricsServer::start(Pipeline& pipeline, Instances instances) {
  const std::lock_guard lock(mu_);
  pipeline_ = &pipeline;
  instances_ = std::move(instances);
}

void MetricsServer::serve(Endpoints endpoints) {
  if (endpoints.metrics) {
    server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      const std::lock_guard lock(mu_);  // a scrape at a time; stop() waits for it
      if (pipeline_ == nullptr) {
        res.status = 503;
        res.set_content("the pipeline has not started\n", "text/plain");
        return;
      }
      const std::string body =
          prometheus_text(pipeline_->stats(), read_process_stats().value_or(ProcessStats{}));
      res.set_content(body, "text/plain; version=0.0.4; charset=utf-8");
    });
  }
  if (endpoints.control) {
    server_->Get("/control/stats", [this](const httplib::Request&, httplib::Response& res) {
      const std::lock_guard lock(mu_);
      if (pipeline_ == nullptr) {
        res.status = 503;
        res.set_content("the pipeline has not started\n", "text/plain");
        return;
      }
      res.set_content(control_stats_json(pipeline_->stats(), instances_), "application/json");
    });
    server_->Get("/control/tap",
                 [this](const httplib::Request& req, httplib::Response& res) { tap(req, res); });
  }
  if (endpoints.ui) serve_ui(std::move(endpoints.ui));
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server_->Get("/ready", [this](const httplib::Request&, httplib::Response& res) {
    const bool ready = ready_.load(std::memory_order_relaxed);
    res.status = ready ? 200 : 503;
    res.set_content(ready ? "ready\n" : "not ready\n", "text/plain");
  });
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() closes the socket only once the server runs: wait for that (it
  // is the listener thread's first step; the bound is for a thread that
  // never got to run at all).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_->is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

void MetricsServer::stop() {
  if (!thread_.joinable()) return;
  {
    // Taps end first (what they hold is still sent), and nothing reads the
    // pipeline from now on: it may be gone soon.
    const std::lock_guard lock(mu_);
    for (const auto& q : taps_) {
      if (pipeline_ != nullptr) pipeline_->untap(q.get());
      q->close();
    }
    pipeline_ = nullptr;
  }
  server_->stop();  // closes the listening socket: the port is free again
  thread_.join();   // after the requests in progress
}

}  // namespace sluice::cli
