// Channel handoff: moving messages between threads through sluice's Channel
// against tbb::concurrent_bounded_queue and a mutex + condition variable
// queue, SPSC (1 -> 1 thread) and MPMC (2 -> 2 threads), one message per
// operation and batches of 256. Every queue holds 1024 messages; the batched
// peers queue vectors of 256 (4 of them), since neither has a batch API.
//
// The runtime never waits on a channel (it parks the stage and is notified);
// here a trivial Waker stands in and the threads yield when full or empty.
// Counter ns_per_msg: wall time per message handed over.
#include <benchmark/benchmark.h>
#include <tbb/concurrent_queue.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bench_stages.hpp"
#include "runtime/channel.hpp"

namespace {

namespace sb = sluice::bench;
using sluice::Message;

constexpr std::uint64_t kMessages = 1'000'000;  // per iteration, all producers together
constexpr std::size_t kCapacity = 1024;

class NullWaker final : public sluice::detail::Waker {
 public:
  void notify() noexcept override {}
};

/// The textbook bounded blocking queue: one mutex, two condition variables.
template <typename T>
class MutexQueue {
 public:
  explicit MutexQueue(std::size_t capacity) : capacity_(capacity) {}
  void push(T&& v) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_; });
    items_.push_back(std::move(v));
    lock.unlock();
    not_empty_.notify_one();
  }
  /// Empty once closed and drained.
  std::optional<T> pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return std::nullopt;
    T v = std::move(items_.front());
    items_.pop_front();
    lock.unlock();
    not_full_.notify_one();
    return v;
  }
  void close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    not_empty_.notify_all();
  }

 private:
  const std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<T> items_;
  bool closed_{false};
};

Message make_message(std::uint64_t i) {
  Message m;
  m.seq = i;
  m.value = static_cast<std::int64_t>(i);
  return m;
}

/// Per iteration: setup(), then `producers` threads that each
/// produce(first, count) and `consumers` threads that each return the sum of
/// the values they took; finish() once every producer is done. Checks the sum.
template <typename Setup, typename Produce, typename Consume, typename Finish>
void run_threads(benchmark::State& state, int producers, int consumers, Setup setup,
                 Produce produce, Consume consume, Finish finish) {
  const std::uint64_t want = kMessages * (kMessages - 1) / 2;
  std::int64_t wall = 0;
  for (auto _ : state) {
    setup();
    std::vector<std::uint64_t> sums(static_cast<std::size_t>(consumers), 0);
    const std::int64_t t0 = sb::steady_ns();
    std::vector<std::thread> threads;
    for (int c = 0; c < consumers; ++c) {
      threads.emplace_back([&, c] { sums[static_cast<std::size_t>(c)] = consume(); });
    }
    std::vector<std::thread> senders;
    const std::uint64_t share = kMessages / static_cast<std::uint64_t>(producers);
    for (int p = 0; p < producers; ++p) {
      senders.emplace_back([&, p] { produce(static_cast<std::uint64_t>(p) * share, share); });
    }
    for (auto& t : senders) t.join();
    finish();
    for (auto& t : threads) t.join();
    wall += sb::steady_ns() - t0;
    std::uint64_t total = 0;
    for (auto s : sums) total += s;
    if (total != want) throw std::runtime_error("checksum mismatch");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kMessages));
  state.counters["ns_per_msg"] =
      static_cast<double>(wall) / static_cast<double>(state.iterations() * kMessages);
}

void BM_Channel(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const auto batch = static_cast<std::size_t>(state.range(1));
  std::optional<sluice::detail::Channel> ch;
  NullWaker waker;
  run_threads(
      state, threads, threads,
      [&] {  // a fresh channel per iteration: the previous one is closed for good
        ch.emplace(kCapacity, sluice::Overflow::block);
        for (int i = 0; i < threads; ++i) ch->add_producer();
        for (int i = 0; i < threads; ++i) ch->add_consumer(&waker);
      },
      [&](std::uint64_t first, std::uint64_t count) {
        std::vector<Message> buf;
        for (std::uint64_t i = first; i < first + count;) {
          buf.clear();
          for (std::size_t j = 0; j < batch && i < first + count; ++j, ++i) {
            buf.push_back(make_message(i));
          }
          for (std::size_t from = 0; from < buf.size();) {
            const auto r = ch->push(buf, from, false, &waker);
            from += r.consumed;
            // Taken whole, `buf` comes back as an empty recycled vector.
            if (r.consumed == 0 || r.full) std::this_thread::yield();
          }
        }
        ch->close_producer();
      },
      [&] {
        std::uint64_t sum = 0;
        std::vector<Message> out;
        for (;;) {
          out.clear();
          const auto r = ch->pop(out, batch, &waker);
          for (const auto& m : out) sum += static_cast<std::uint64_t>(m.value);
          if (r.end) return sum;
          if (r.count == 0) std::this_thread::yield();
        }
      },
      [&] {});
  ch.reset();
}

void BM_TbbQueue(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  tbb::concurrent_bounded_queue<Message> q;
  q.set_capacity(kCapacity);
  run_threads(
      state, threads, threads, [] {},
      [&](std::uint64_t first, std::uint64_t count) {
        for (std::uint64_t i = first; i < first + count; ++i) q.push(make_message(i));
      },
      [&] {
        std::uint64_t sum = 0;
        for (;;) {
          Message m;
          q.pop(m);
          if (m.seq == UINT64_MAX) return sum;
          sum += static_cast<std::uint64_t>(m.value);
        }
      },
      [&] {
        for (int c = 0; c < threads; ++c) {
          Message end;
          end.seq = UINT64_MAX;
          q.push(std::move(end));
        }
      });
}

void BM_TbbQueueBatched(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const auto batch = static_cast<std::size_t>(state.range(1));
  tbb::concurrent_bounded_queue<std::vector<Message>> q;
  q.set_capacity(static_cast<std::ptrdiff_t>(kCapacity / batch));
  run_threads(
      state, threads, threads, [] {},
      [&](std::uint64_t first, std::uint64_t count) {
        for (std::uint64_t i = first; i < first + count;) {
          std::vector<Message> buf;
          buf.reserve(batch);
          for (std::size_t j = 0; j < batch && i < first + count; ++j, ++i) {
            buf.push_back(make_message(i));
          }
          q.push(std::move(buf));
        }
      },
      [&] {
        std::uint64_t sum = 0;
        for (;;) {
          std::vector<Message> buf;
          q.pop(buf);
          if (buf.empty()) return sum;
          for (const auto& m : buf) sum += static_cast<std::uint64_t>(m.value);
        }
      },
      [&] {
        for (int c = 0; c < threads; ++c) q.push({});
      });
}

void BM_MutexQueue(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  std::optional<MutexQueue<Message>> q;
  run_threads(
      state, threads, threads, [&] { q.emplace(kCapacity); },
      [&](std::uint64_t first, std::uint64_t count) {
        for (std::uint64_t i = first; i < first + count; ++i) q->push(make_message(i));
      },
      [&] {
        std::uint64_t sum = 0;
        while (auto m = q->pop()) sum += static_cast<std::uint64_t>(m->value);
        return sum;
      },
      [&] { q->close(); });
}

void BM_MutexQueueBatched(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const auto batch = static_cast<std::size_t>(state.range(1));
  MutexQueue<std::vector<Message>> q(kCapacity / batch);
  run_threads(
      state, threads, threads, [] {},
      [&](std::uint64_t first, std::uint64_t count) {
        for (std::uint64_t i = first; i < first + count;) {
          std::vector<Message> buf;
          buf.reserve(batch);
          for (std::size_t j = 0; j < batch && i < first + count; ++j, ++i) {
            buf.push_back(make_message(i));
          }
          q.push(std::move(buf));
        }
      },
      [&] {
        std::uint64_t sum = 0;
        while (auto buf = q.pop()) {
          if (buf->empty()) return sum;
          for (const auto& m : *buf) sum += static_cast<std::uint64_t>(m.value);
        }
        return sum;
      },
      [&] {
        for (int c = 0; c < threads; ++c) q.push({});
      });
}

// Args: {threads per side (1 = SPSC, 2 = MPMC), batch}.
BENCHMARK(BM_Channel)
    ->ArgNames({"threads", "batch"})
    ->ArgsProduct({{1, 2}, {1, 256}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_TbbQueue)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_TbbQueueBatched)
    ->ArgNames({"threads", "batch"})
    ->ArgsProduct({{1, 2}, {256}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_MutexQueue)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_MutexQueueBatched)
    ->ArgNames({"threads", "batch"})
    ->ArgsProduct({{1, 2}, {256}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
