// A deliberate data race between two stages running as tasks on the arena:
// the ThreadSanitizer build must report it under the project's suppressions
// (cmake/tsan.supp, compiled in here as in `sluice`, and passed again by the
// tsan test preset). If it does not, the suppressions hide races in our own
// code, and the tsan run checks nothing: ctest expects the report.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <span>
#include <thread>

#include "sluice/graph.hpp"
#include "sluice/pipeline.hpp"

namespace {

long shared_total = 0;  // written by both sources with no synchronisation, on purpose
std::atomic<int> arrived{0};

/// Waits until both sources are running at once (relaxed: no happens-before
/// between them), so that their writes overlap on two arena workers.
void meet() {
  arrived.fetch_add(1, std::memory_order_relaxed);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (arrived.load(std::memory_order_relaxed) < 2 &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::yield();
  }
}

class Racer final : public sluice::Source {
 public:
  sluice::SourceStatus produce(sluice::Emitter&, sluice::Context&, std::size_t) override {
    meet();
    for (int i = 0; i < 100000; ++i) shared_total = shared_total + 1;
    return sluice::SourceStatus::done;
  }
};

class Discard final : public sluice::Sink {
 public:
  void consume(std::span<sluice::Message>, sluice::Context&) override {}
};

}  // namespace

int main() {
  sluice::Graph g;
  for (const char* name : {"a", "b"}) {
    auto src = g.add_source(name, [] { return std::make_unique<Racer>(); });
    g.connect(src,
              g.add_sink(std::string(name) + "_out", [] { return std::make_unique<Discard>(); }));
  }
  sluice::Pipeline p(std::move(g), {.threads = 2});
  const auto r = p.run();
  std::printf("status %s, total %ld (no race report above means the suppressions hide it)\n",
              std::string(sluice::to_string(r.status)).c_str(), shared_total);
  return 0;
}
