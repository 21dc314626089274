// A private nats-server with JetStream for one test: loopback, a free port,
// its store in the test's folder, stopped (SIGKILL, then reaped) at the end.
// Also what the tests ask the server (stream and consumer state).
#pragma once

#include <nats/nats.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

namespace sluice_nats {

namespace fs = std::filesystem;

/// nats-server's path, or empty: PATH first, then Debian's /usr/sbin.
inline std::string find_nats_server() {
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/usr/local/sbin:/usr/local/bin";
  std::istringstream dirs(path);
  for (std::string d; std::getline(dirs, d, ':');) {
    if (d.empty()) continue;
    const fs::path p = fs::path(d) / "nats-server";
    if (access(p.c_str(), X_OK) == 0) return p.string();
  }
  return {};
}

class NatsServer {
 public:
  /// Starts on `port` (0: a free one, read back from the ports file).
  NatsServer(const fs::path& dir, int port = 0) : dir_(dir) { start(port); }
  ~NatsServer() { kill9(); }
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  [[nodiscard]] bool running() const { return pid_ > 0 && !url_.empty(); }
  [[nodiscard]] const std::string& url() const { return url_; }
  [[nodiscard]] int port() const { return port_; }

  void kill9() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  /// Starts again on the same port and store (after kill9).
  void restart() { start(port_); }

 private:
  void start(int port) {
    const std::string bin = find_nats_server();
    const fs::path ports = dir_ / "ports";
    fs::remove_all(ports);
    fs::create_directories(ports);
    pid_ = fork();
    if (pid_ == 0) {
      const std::string p = std::to_string(port == 0 ? -1 : port);
      const std::string store = (dir_ / "store").string();
      const std::string log = (dir_ / "nats-server.log").string();
      const std::string pd = ports.string();
      execl(bin.c_str(), bin.c_str(), "-js", "-a", "127.0.0.1", "-p", p.c_str(), "-sd",
            store.c_str(), "--ports_file_dir", pd.c_str(), "-l", log.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      for (const auto& e : fs::directory_iterator(ports)) {
        if (e.path().extension() != ".ports") continue;
        std::ifstream in(e.path());
        const auto j = nlohmann::json::parse(in, nullptr, false);
        if (j.is_object() && j.contains("nats") && !j["nats"].empty()) {
          url_ = j["nats"][0].get<std::string>();
          port_ = std::stoi(url_.substr(url_.rfind(':') + 1));
          wait_ready();
          return;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  /// The ports file comes before JetStream is ready: wait for an answer.
  void wait_ready();

  fs::path dir_;
  pid_t pid_{-1};
  std::string url_;
  int port_{0};
};

/// A short-lived client for asking the server things.
class Client {
 public:
  explicit Client(const std::string& url) {
    natsOptions* o = nullptr;
    natsOptions_Create(&o);
    natsOptions_SetURL(o, url.c_str());
    natsOptions_SetTimeout(o, 1000);
    natsOptions_SetAllowReconnect(o, false);
    if (natsConnection_Connect(&nc_, o) == NATS_OK) natsConnection_JetStream(&js_, nc_, nullptr);
    natsOptions_Destroy(o);
  }
  ~Client() {
    if (js_) jsCtx_Destroy(js_);
    if (nc_) natsConnection_Destroy(nc_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  [[nodiscard]] bool ok() const { return js_ != nullptr; }

  struct State {
    std::uint64_t stream_msgs{0};
    std::int64_t ack_pending{0};
    std::int64_t redelivered{0};
    std::uint64_t consumer_pending{0};  ///< not yet delivered to the consumer
  };
  std::optional<State> state(const std::string& stream, const std::string& consumer) {
    if (!js_) return std::nullopt;
    State st;
    jsStreamInfo* si = nullptr;
    if (js_GetStreamInfo(&si, js_, stream.c_str(), nullptr, nullptr) != NATS_OK) {
      return std::nullopt;
    }
    st.stream_msgs = si->State.Msgs;
    jsStreamInfo_Destroy(si);
    jsConsumerInfo* ci = nullptr;
    if (js_GetConsumerInfo(&ci, js_, stream.c_str(), consumer.c_str(), nullptr, nullptr) ==
        NATS_OK) {
      st.ack_pending = ci->NumAckPending;
      st.redelivered = ci->NumRedelivered;
      st.consumer_pending = ci->NumPending;
      jsConsumerInfo_Destroy(ci);
    }
    return st;
  }

  /// Creates a file-backed limits stream on `subject`.
  bool add_stream(const std::string& name, const std::string& subject) {
    if (!js_) return false;
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    const char* subjects[] = {subject.c_str()};
    cfg.Name = name.c_str();
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    jsStreamInfo* si = nullptr;
    if (js_AddStream(&si, js_, &cfg, nullptr, nullptr) != NATS_OK) return false;
    jsStreamInfo_Destroy(si);
    return true;
  }

  /// Publishes `payload` with `headers` to JetStream; true once the stream has it.
  bool publish(const std::string& subject, const std::string& payload,
               const std::map<std::string, std::string>& headers) {
    if (!js_) return false;
    natsMsg* m = nullptr;
    if (natsMsg_Create(&m, subject.c_str(), nullptr, payload.data(),
                       static_cast<int>(payload.size())) != NATS_OK) {
      return false;
    }
    for (const auto& [k, v] : headers) natsMsgHeader_Set(m, k.c_str(), v.c_str());
    jsPubAck* ack = nullptr;
    const bool ok = js_PublishMsg(&ack, js_, m, nullptr, nullptr) == NATS_OK;
    if (ack) jsPubAck_Destroy(ack);
    natsMsg_Destroy(m);
    return ok;
  }

  /// A stored message: its payload and headers.
  struct Stored {
    std::string payload;
    std::map<std::string, std::string> headers;
  };
  std::optional<Stored> get(const std::string& stream, std::uint64_t seq) {
    if (!js_) return std::nullopt;
    natsMsg* m = nullptr;
    if (js_GetMsg(&m, js_, stream.c_str(), seq, nullptr, nullptr) != NATS_OK) return std::nullopt;
    Stored out;
    out.payload.assign(natsMsg_GetData(m), static_cast<std::size_t>(natsMsg_GetDataLength(m)));
    const char** keys = nullptr;
    int n = 0;
    if (natsMsgHeader_Keys(m, &keys, &n) == NATS_OK) {
      for (int i = 0; i < n; ++i) {
        const char* v = nullptr;
        if (natsMsgHeader_Get(m, keys[i], &v) == NATS_OK && v) out.headers[keys[i]] = v;
      }
      free(static_cast<void*>(keys));
    }
    natsMsg_Destroy(m);
    return out;
  }

 private:
  natsConnection* nc_{nullptr};
  jsCtx* js_{nullptr};
};

inline void NatsServer::wait_ready() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    Client c(url_);
    if (c.ok()) {
      // any JetStream answer will do; a missing stream is an answer too
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace sluice_nats
