// A local HTTP server for the tests of the HTTP client, the http stage and
// the http_post sink (unit and end-to-end): cpp-httplib on 127.0.0.1 and a
// free port, serving on a thread of its own, with a pool big enough for
// every call a test keeps open. Handlers that wait should wait on wait() so
// that the server stops at once.
//
//   TestServer server;
//   server.http.Get("/x", [](const httplib::Request&, httplib::Response& res) {
//     res.set_content("hi", "text/plain");
//   });
//   server.start();
//   client->submit({.url = server.url("/x")}, ...);
#pragma once

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace sluice::builtins::http {

class TestServer {
 public:
  explicit TestServer(std::size_t threads = 160) {
    http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http.set_keep_alive_max_count(100000);  // as a service would: not a new connection every 5
    http.set_socket_options([this](int sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
      socket_ = sock;
    });
  }
  ~TestServer() { stop(); }

  /// Serves on a free port, or on `port` (a server that comes back).
  void start(int port = 0) {
    if (port == 0) {
      port_ = http.bind_to_any_port("127.0.0.1");
    } else {
      port_ = http.bind_to_port("127.0.0.1", port) ? port : -1;
    }
    // cpp-httplib listens with a backlog of 5: a burst of connections beyond
    // it is dropped and retried a second later. Listening again sets it.
    ::listen(socket_, 1024);
    // The socket listens once bound: a request made now waits for accept().
    thread_ = std::thread([this] { http.listen_after_bind(); });
    // stop() before the accept loop runs would not end it.
    while (!http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void stop() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
    http.stop();
    if (thread_.joinable()) thread_.join();
  }
  /// Waits up to `d`, less when the server stops: for slow answers.
  void wait(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, d, [this] { return released_; });
  }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  httplib::Server http;

 private:
  int port_{0};
  int socket_{-1};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_{false};
};

}  // namespace sluice::builtins::http
