// ShardedMap: a hash map split into shards, each behind its own mutex, so
// that instances of one stage (`workers = N`) updating different keys rarely
// wait for each other. Sharded<T> is the building block: N copies of any
// container T, picked by a key's hash; dedupe keeps its eviction queue in it.
//
//   sluice::ShardedMap<std::uint64_t> counts(16);  // string keys
//   counts.update("user-1", [](std::uint64_t& n) { ++n; });
//   auto sorted = counts.snapshot();  // (key, value) pairs sorted by key
//
// Stage types (built-in and plugins) keep state that the `workers = N`
// instances of one node share in one, found with sluice/node_state.hpp.
//
// Measured against one mutex around std::unordered_map and
// tbb::concurrent_hash_map in bench/sharded_map/sharded_map_bench.cpp.
//
// Thread-safety: every member may be called from any number of threads at
// once; the callbacks run under one shard's lock and must not call back in.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sluice {
inline namespace v1 {

/// std::hash for strings that also accepts string_view and const char*
/// (heterogeneous lookup: no temporary std::string per find).
///
/// Deliberately not noexcept: libstdc++ then stores each node's hash, as it
/// does for std::hash<std::string>, instead of rehashing the strings of a
/// bucket on every lookup (1.5x faster and more on 100000 keys).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const {  // NOLINT(performance-noexcept-*)
    return std::hash<std::string_view>{}(s);
  }
};

/// `shards` copies of T (rounded up to a power of two), each with a mutex.
template <class T>
class Sharded {
 public:
  explicit Sharded(std::size_t shards, const T& prototype = T())
      : count_(std::bit_ceil(std::max<std::size_t>(shards, 1))),
        shards_(std::make_unique<Shard[]>(count_)) {
    for (std::size_t i = 0; i < count_; ++i) shards_[i].data = prototype;
  }

  [[nodiscard]] std::size_t shard_count() const noexcept { return count_; }
  /// The shard a hash falls in: the high bits after a multiplicative mix, so
  /// that the shard and the bucket inside it use different bits of the hash.
  [[nodiscard]] std::size_t shard_of(std::size_t hash) const noexcept {
    if (count_ == 1) return 0;
    const auto mixed = static_cast<std::uint64_t>(hash) * 0x9e3779b97f4a7c15ULL;
    return static_cast<std::size_t>(mixed >> (64 - std::countr_zero(count_)));
  }
  /// Runs f(T&) on the shard of `hash` under its lock and returns its result.
  template <class F>
  decltype(auto) with(std::size_t hash, F&& f) {
    Shard& s = shards_[shard_of(hash)];
    std::lock_guard lock(s.mu);
    return std::forward<F>(f)(s.data);
  }
  /// Runs f(const T&) on each shard in turn, each under its own lock: a
  /// consistent view of each shard, not of all of them at one instant.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < count_; ++i) {
      std::lock_guard lock(shards_[i].mu);
      f(static_cast<const T&>(shards_[i].data));
    }
  }
  /// The same with f(T&), which may change each shard.
  template <class F>
  void for_each(F&& f) {
    for (std::size_t i = 0; i < count_; ++i) {
      std::lock_guard lock(shards_[i].mu);
      f(shards_[i].data);
    }
  }

 private:
  struct alignas(64) Shard {  // one cache line each: no false sharing of the locks
    mutable std::mutex mu;
    T data;
  };
  std::size_t count_;
  std::unique_ptr<Shard[]> shards_;
};

/// A concurrent map from strings to V.
template <class V>
class ShardedMap {
 public:
  using Map = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

  explicit ShardedMap(std::size_t shards) : shards_(shards) {}

  /// Runs f(V&) on the value of `key` (value-initialised if new) under the
  /// shard's lock; returns f's result.
  template <class F>
  decltype(auto) update(std::string_view key, F&& f) {
    const std::size_t h = StringHash{}(key);
    return shards_.with(h, [&](Map& m) -> decltype(auto) {
      auto it = m.find(key);
      if (it == m.end()) it = m.emplace(std::string(key), V{}).first;
      return std::forward<F>(f)(it->second);
    });
  }
  [[nodiscard]] std::size_t size() const {
    std::size_t n = 0;
    shards_.for_each([&](const Map& m) { n += m.size(); });
    return n;
  }
  /// Every (key, value), sorted by key.
  [[nodiscard]] std::vector<std::pair<std::string, V>> snapshot() const {
    std::vector<std::pair<std::string, V>> out;
    shards_.for_each([&](const Map& m) { out.insert(out.end(), m.begin(), m.end()); });
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
  }

 private:
  Sharded<Map> shards_;
};

}  // namespace v1
}  // namespace sluice
