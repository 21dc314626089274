// A program that embeds sluice through the installed static libraries: a
// generate source (a built-in, from the registry) into a counting sink.
#include <atomic>
#include <cstdio>
#include <memory>
#include <sluice/pipeline.hpp>
#include <sluice/registry.hpp>
#include <span>

namespace {

std::atomic<std::size_t> seen{0};

class Count final : public sluice::Sink {
 public:
  void consume(std::span<sluice::Message> batch, sluice::Context&) override {
    seen += batch.size();
  }
};

}  // namespace

int main() {
  const sluice::StageType* generate = sluice::builtin_registry().find("generate", false);
  if (generate == nullptr) return 1;
  sluice::Options options;
  options.set("count", sluice::OptionValue::of(10));
  options.apply_defaults(generate->schema);
  sluice::Graph g;
  auto src = g.add_source("src", [generate, options] { return generate->make_source(options); });
  auto out = g.add_sink("out", [] { return std::make_unique<Count>(); });
  g.connect(src, out);
  auto result = sluice::Pipeline(std::move(g), {.threads = 2}).run();
  std::printf("%s %zu\n", result.ok() ? "ok" : result.error.c_str(), seen.load());
  return result.ok() && seen == 10 ? 0 : 1;
}
