// The concurrent map behind `count` and `dedupe`: string key -> counter,
// find-or-insert then increment, from 1, 2 and 4 threads sharing one map.
//
// - BM_Sharded: builtins::ShardedMap, 16 shards, one mutex each (ours).
// - BM_OneMutex: one std::mutex around one std::unordered_map (the baseline).
// - BM_TbbHashMap: tbb::concurrent_hash_map with a write accessor.
//
// Arguments: the number of distinct keys (64: hot keys, heavy contention;
// 100000: a large, cache-missing key set). Keys are prebuilt std::strings, so
// no competitor pays for an allocation the others skip. Read
// items_per_second: updates per second of wall time, all threads together.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "builtins/sharded_map.hpp"
#include "oneapi/tbb/concurrent_hash_map.h"

namespace {

namespace bi = sluice::builtins;

constexpr std::size_t kShards = 16;

const std::vector<std::string>& keys(std::size_t n) {
  static std::unordered_map<std::size_t, std::vector<std::string>> made;
  static std::mutex mu;
  std::lock_guard lock(mu);
  auto& k = made[n];
  if (k.empty()) {
    for (std::size_t i = 0; i < n; ++i) k.push_back("user-" + std::to_string(i * 7919 % n));
  }
  return k;
}

class OneMutexMap {
 public:
  void increment(std::string_view key) {
    std::lock_guard lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) it = map_.emplace(std::string(key), 0).first;
    ++it->second;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::uint64_t, bi::StringHash, std::equal_to<>> map_;
};

class TbbMap {
 public:
  void increment(const std::string& key) {
    Map::accessor a;
    map_.insert(a, key);  // value-initialised when new
    ++a->second;
  }

 private:
  using Map = tbb::concurrent_hash_map<std::string, std::uint64_t>;
  Map map_;
};

class ShardedCounts {
 public:
  void increment(std::string_view key) {
    map_.update(key, [](std::uint64_t& n) { ++n; });
  }

 private:
  bi::ShardedMap<std::uint64_t> map_{kShards};
};

/// One map shared by every thread of a run: made by thread 0 before the
/// loop (the threads start the loop together) and dropped after it.
template <class M>
void run(benchmark::State& state) {
  static std::unique_ptr<M> map;
  const auto& k = keys(static_cast<std::size_t>(state.range(0)));
  if (state.thread_index() == 0) map = std::make_unique<M>();
  // Each thread walks the keys from its own offset, so threads collide on a
  // key only as often as the key set's size makes them.
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * k.size() / 4;
  for (auto _ : state) {
    map->increment(k[i]);
    if (++i == k.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) map.reset();
}

void BM_Sharded(benchmark::State& state) { run<ShardedCounts>(state); }
void BM_OneMutex(benchmark::State& state) { run<OneMutexMap>(state); }
void BM_TbbHashMap(benchmark::State& state) { run<TbbMap>(state); }

#define SLUICE_MAP_BENCH(fn) \
  BENCHMARK(fn)->Arg(64)->Arg(100000)->Threads(1)->Threads(2)->Threads(4)->UseRealTime()

SLUICE_MAP_BENCH(BM_Sharded);
SLUICE_MAP_BENCH(BM_OneMutex);
SLUICE_MAP_BENCH(BM_TbbHashMap);

}  // namespace

BENCHMARK_MAIN();
