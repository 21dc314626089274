#include "builtins/http/client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace sluice::builtins::http {
namespace {

/// The longest curl_multi_poll waits with nothing due: a safety net only,
/// as curl_multi_wakeup ends the wait for new work.
constexpr int kMaxPollMs = 1000;

void global_init() {
  static const bool ok = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)ok;  // a failed init surfaces as curl_easy_init returning null
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool names_header(const std::vector<std::string>& headers, std::string_view lower_name) {
  return std::any_of(headers.begin(), headers.end(), [&](const std::string& h) {
    const auto colon = h.find(':');
    return colon != std::string::npos &&
           lower(trim(std::string_view(h).substr(0, colon))) == lower_name;
  });
}

/// One request: its libcurl handle and what the callbacks gather.
struct Transfer {
  std::uint64_t id{0};
  CURL* easy{nullptr};
  curl_slist* headers{nullptr};
  Request req;
  Response resp;
  Done done;
  char error[CURL_ERROR_SIZE]{};

  Transfer() = default;
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (headers != nullptr) curl_slist_free_all(headers);
  }
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t len = size * n;
  if (t->req.max_response_bytes > 0 && t->resp.body.size() + len > t->req.max_response_bytes) {
    t->resp.too_large = true;
    return 0;  // anything but len: libcurl ends the transfer with CURLE_WRITE_ERROR
  }
  t->resp.body.append(data, len);
  return len;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t len = size * n;
  const std::string_view line(data, len);
  if (line.starts_with("HTTP/")) {  // a new response: a redirect's target, or after 100 Continue
    t->resp.headers.clear();
    return len;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  std::string name = lower(trim(line.substr(0, colon)));
  if (name == "retry-after" || std::find(t->req.keep_headers.begin(), t->req.keep_headers.end(),
                                         name) != t->req.keep_headers.end()) {
    t->resp.headers.emplace_back(std::move(name), std::string(trim(line.substr(colon + 1))));
  }
  return len;
}

long millis(Nanos ns) { return static_cast<long>(std::max<Nanos>(1, ns / 1'000'000)); }

/// Sets up t->easy for t->req; false (with t->resp.error) when libcurl refuses.
bool set_up(Transfer& t) {
  t.easy = curl_easy_init();
  if (t.easy == nullptr) {
    t.resp.error = "libcurl could not make a request handle";
    return false;
  }
  CURL* e = t.easy;
  const Request& r = t.req;
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
  if (r.timeout > 0) curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, millis(r.timeout));
  if (r.connect_timeout > 0)
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, millis(r.connect_timeout));
  if (r.max_response_bytes > 0) {
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(r.max_response_bytes));
  }
  if (r.insecure) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!r.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, r.ca_file.c_str());

  if (r.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (r.method != "GET" || r.send_body) {
    if (r.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    if (r.send_body) {
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
    }
  }
  for (const std::string& h : r.headers) t.headers = curl_slist_append(t.headers, h.c_str());
  // Without these libcurl adds a form Content-Type to a body and, for a large
  // one, waits up to a second for "100 Continue".
  if (r.send_body && !names_header(r.headers, "content-type")) {
    t.headers = curl_slist_append(t.headers, "Content-Type:");
  }
  t.headers = curl_slist_append(t.headers, "Expect:");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
  return true;
}

}  // namespace

struct Client::Driver {
  CURLM* multi{nullptr};
  std::thread thread;
  mutable std::mutex mu;
  // Under mu: what other threads hand to the driver thread.
  std::vector<std::unique_ptr<Transfer>> incoming;
  std::vector<std::uint64_t> cancels;
  std::multimap<Nanos, std::function<void()>> timers;
  std::uint64_t next_id{1};
  bool stop{false};
  // The driver thread's own.
  std::unordered_map<std::uint64_t, std::unique_ptr<Transfer>> active;
  std::atomic<std::size_t> open{0};
  bool self_delete{false};  ///< the Client ended on this thread: the thread frees it

  void run();
  void finish(std::unique_ptr<Transfer> t, CURLcode code);
};

void Client::Driver::finish(std::unique_ptr<Transfer> t, CURLcode code) {
  Response r = std::move(t->resp);
  r.curl_code = static_cast<int>(code);
  if (code == CURLE_FILESIZE_EXCEEDED) r.too_large = true;
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    r.status = status;
  } else if (r.error.empty()) {
    r.error = t->error[0] != '\0' ? std::string(t->error) : curl_easy_strerror(code);
  }
  Done done = std::move(t->done);
  t.reset();  // the handle goes before the callback, which may submit more
  try {
    if (done) done(std::move(r));
  } catch (...) {  // a callback must not throw; nothing here could report it
  }
}

void Client::Driver::run() {
  for (;;) {
    std::vector<std::unique_ptr<Transfer>> add;
    std::vector<std::uint64_t> cancel;
    std::vector<std::function<void()>> due;
    bool stopping = false;
    int wait_ms = kMaxPollMs;
    {
      std::lock_guard lock(mu);
      add.swap(incoming);
      cancel.swap(cancels);
      stopping = stop;
      const Nanos now = SteadyClock::instance().now();
      while (!timers.empty() && timers.begin()->first <= now) {
        due.push_back(std::move(timers.begin()->second));
        timers.erase(timers.begin());
      }
      if (!timers.empty()) {
        wait_ms = static_cast<int>(
            std::min<Nanos>(kMaxPollMs, (timers.begin()->first - now + 999'999) / 1'000'000));
      }
    }
    for (auto& t : add) {
      if (t->easy == nullptr) {  // set_up failed
        finish(std::move(t), CURLE_FAILED_INIT);
        continue;
      }
      const std::uint64_t id = t->id;
      if (curl_multi_add_handle(multi, t->easy) != CURLM_OK) {
        t->resp.error = "libcurl refused the request";
        finish(std::move(t), CURLE_FAILED_INIT);
        continue;
      }
      active.emplace(id, std::move(t));
    }
    for (const std::uint64_t id : cancel) {
      const auto it = active.find(id);
      if (it == active.end()) continue;  // finished already
      std::unique_ptr<Transfer> t = std::move(it->second);
      active.erase(it);
      curl_multi_remove_handle(multi, t->easy);
      t->resp.cancelled = true;
      t->resp.error = "cancelled";
      finish(std::move(t), CURLE_ABORTED_BY_CALLBACK);
    }
    for (auto& fn : due) {
      try {
        fn();
      } catch (...) {  // as for callbacks
      }
    }
    if (stopping) {
      for (auto& [id, t] : active) {
        curl_multi_remove_handle(multi, t->easy);
        t->resp.cancelled = true;
        t->resp.error = "the HTTP client stopped";
        finish(std::move(t), CURLE_ABORTED_BY_CALLBACK);
      }
      active.clear();
      open.store(0);
      return;
    }
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      const CURLcode code = msg->data.result;  // msg is invalid once the handle is removed
      Transfer* raw = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &raw);
      curl_multi_remove_handle(multi, easy);
      const auto it = active.find(raw->id);
      std::unique_ptr<Transfer> t = std::move(it->second);
      active.erase(it);
      finish(std::move(t), code);
    }
    open.store(active.size());
    curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
  }
}

std::shared_ptr<Client> Client::shared() {
  static std::mutex mu;
  static std::weak_ptr<Client> current;
  std::lock_guard lock(mu);
  if (auto c = current.lock()) return c;
  auto c = std::make_shared<Client>();
  current = c;
  return c;
}

Client::Client() : d_(std::make_unique<Driver>()) {
  global_init();
  d_->multi = curl_multi_init();
  d_->thread = std::thread([d = d_.get()] {
    d->run();
    if (d->self_delete) {
      curl_multi_cleanup(d->multi);
      d->thread.detach();
      delete d;
    }
  });
}

Client::~Client() {
  {
    std::lock_guard lock(d_->mu);
    d_->stop = true;
  }
  curl_multi_wakeup(d_->multi);
  if (d_->thread.get_id() == std::this_thread::get_id()) {
    // The last holder let go in a callback: the thread ends on its own and
    // frees the driver after its loop.
    d_.release()->self_delete = true;
    return;
  }
  d_->thread.join();
  curl_multi_cleanup(d_->multi);
}

std::uint64_t Client::submit(Request request, Done done) {
  auto t = std::make_unique<Transfer>();
  t->req = std::move(request);
  t->done = std::move(done);
  if (!set_up(*t) && t->easy != nullptr) {
    curl_easy_cleanup(t->easy);
    t->easy = nullptr;
  }
  std::uint64_t id = 0;
  {
    std::lock_guard lock(d_->mu);
    id = d_->next_id++;
    t->id = id;
    d_->incoming.push_back(std::move(t));
  }
  curl_multi_wakeup(d_->multi);
  return id;
}

void Client::cancel(std::uint64_t id) {
  {
    std::lock_guard lock(d_->mu);
    d_->cancels.push_back(id);
  }
  curl_multi_wakeup(d_->multi);
}

void Client::after(Nanos when, std::function<void()> fn) {
  {
    std::lock_guard lock(d_->mu);
    d_->timers.emplace(when, std::move(fn));
  }
  curl_multi_wakeup(d_->multi);
}

std::size_t Client::open_requests() const { return d_->open.load(); }

}  // namespace sluice::builtins::http
