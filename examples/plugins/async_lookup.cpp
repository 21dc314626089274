// async_lookup: an async stage (the README's async example). Each message is
// a call to a remote service that answers after `latency`; the first call
// for every `slow_every`-th message takes ten times as long. The "service" is a client
// library with one thread of its own that completes the calls, as libcurl's
// multi interface would: no thread waits for a call, and `max_in_flight`
// says how many are open at once.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <sluice/plugin.hpp>
#include <thread>
#include <utility>
#include <vector>

namespace {

using Steady = std::chrono::steady_clock;

/// The fake client library: answers each request at its due time, from its thread.
class Service {
 public:
  Service() : thread_([this] { serve(); }) {}
  ~Service() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();  // unanswered calls are dropped with it: they fail, nothing is lost
  }
  void ask(std::chrono::nanoseconds takes, sluice::Message&& m, sluice::Call call) {
    {
      std::lock_guard lock(mu_);
      pending_.push_back({Steady::now() + takes, std::move(m), std::move(call)});
    }
    wake_.notify_one();
  }

 private:
  struct Request {
    Steady::time_point due;
    sluice::Message m;
    sluice::Call call;
  };

  void serve() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      auto next = pending_.end();
      for (auto it = pending_.begin(); it != pending_.end(); ++it) {
        if (next == pending_.end() || it->due < next->due) next = it;
      }
      if (next == pending_.end()) {
        wake_.wait(lock);
      } else if (const auto due = next->due; Steady::now() < due) {
        wake_.wait_until(lock, due);  // a copy: the vector may grow meanwhile
      } else {
        Request r = std::move(*next);
        pending_.erase(next);
        lock.unlock();
        r.m.attrs.set("looked_up", "yes");  // the answer
        r.call.emit(std::move(r.m));
        r.call.done();
        lock.lock();
      }
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<Request> pending_;
  bool stopping_{false};
  std::thread thread_;
};

class Lookup final : public sluice::AsyncStage {
 public:
  explicit Lookup(const sluice::Options& o)
      : latency_(o.get_duration("latency")), slow_every_(o.get_int("slow_every")) {}

  void start(sluice::Message&& m, sluice::Call call, sluice::Context&) override {
    // Every Nth message's first call is slow: past a `timeout`, the retry is fast.
    const bool slow = slow_every_ > 0 && m.seq % static_cast<std::uint64_t>(slow_every_) == 0 &&
                      call.attempt() == 1;
    service_.ask(std::chrono::nanoseconds(slow ? 10 * latency_ : latency_), std::move(m),
                 std::move(call));
  }

 private:
  sluice::Nanos latency_;
  std::int64_t slow_every_;
  Service service_;  // one client per instance
};

void register_types(sluice::Registry& r) {
  sluice::Schema schema{{
      {.name = "latency",
       .type = sluice::OptionType::duration,
       .doc = "time the service takes to answer",
       .default_value = sluice::OptionValue::duration(sluice::from_millis(20)),
       .min = 0,
       .max = 60},
      {.name = "slow_every",
       .type = sluice::OptionType::integer,
       .doc = "the first call for every Nth message takes ten times as long; 0: none",
       .default_value = sluice::OptionValue::of(0),
       .min = 0},
  }};
  r.add({.name = "async_lookup",
         .doc = "a simulated remote lookup, made as async calls",
         .schema = std::move(schema),
         .async = true,  // takes max_in_flight; start() instead of process()
         .make = [](const sluice::Options& o) { return std::make_unique<Lookup>(o); }});
}

}  // namespace

SLUICE_PLUGIN("async_lookup", "1.0.0", register_types)
