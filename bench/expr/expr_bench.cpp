// Expression evaluation and JSON field access, per message, single thread:
// the typical filter `.status >= 500 && .service != "health"` on a JSON
// payload, `seq % 10 == 0` on the message's own fields, and plain field
// reads (`.status` as an integer, `.user.id` nested, a field at the end of a
// larger document) through sluice::expr::Expression. Counter ns_per_eval.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "expr/expression.hpp"

namespace {

using sluice::Message;
using sluice::expr::Expression;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Expression compile_or_throw(std::string_view source) {
  auto e = Expression::compile(source);
  if (!e) throw std::runtime_error("bad expression: " + e.error().message);
  return std::move(e).value();
}

/// 64 JSON events, a quarter of them 5xx and a few of those from "health".
std::vector<Message> events() {
  std::vector<Message> out;
  for (std::uint64_t i = 0; i < 64; ++i) {
    Message m;
    m.seq = i + 1;
    const int status = i % 4 == 0 ? 503 : 200;
    const char* service = i % 8 == 0 ? "health" : "api";
    m.payload = R"({"ts": "2024-05-01T12:00:00Z", "status": )" + std::to_string(status) +
                R"(, "service": ")" + service + R"(", "latency_ms": 12.5, "user": {"id": )" +
                std::to_string(i) + R"(, "name": "user-)" + std::to_string(i % 7) +
                R"("}, "path": "/v1/items"})";
    out.push_back(std::move(m));
  }
  return out;
}

/// A ~1 KB document whose wanted field comes last.
std::vector<Message> big_events() {
  std::vector<Message> out = events();
  for (auto& m : out) {
    std::string pad = R"({"tags": [)";
    for (int t = 0; t < 60; ++t) pad += (t ? R"(, "tag)" : R"("tag)") + std::to_string(t) + "\"";
    pad += "], ";
    m.payload = pad + m.payload.substr(1);
  }
  return out;
}

void run_test(benchmark::State& state, std::string_view source, std::vector<Message> msgs,
              std::int64_t want_true) {
  const Expression e = compile_or_throw(source);
  std::int64_t kept = 0;
  const std::int64_t t0 = now_ns();
  for (auto _ : state) {
    for (const auto& m : msgs) kept += e.test(m) ? 1 : 0;
  }
  const std::int64_t wall = now_ns() - t0;
  if (kept != want_true * state.iterations()) throw std::runtime_error("unexpected result");
  const auto evals =
      static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(msgs.size());
  state.SetItemsProcessed(evals);
  state.counters["ns_per_eval"] = static_cast<double>(wall) / static_cast<double>(evals);
}

void BM_FilterJson(benchmark::State& state) {
  // 16 of 64 are 5xx; 8 of those come from "health" (i % 8 == 0).
  run_test(state, R"(.status >= 500 && .service != "health")", events(), 8);
}

void BM_FilterSeq(benchmark::State& state) {
  run_test(state, "seq % 10 == 0", events(), 6);  // seq 10, 20, ..., 60
}

void BM_FieldInt(benchmark::State& state) {
  const Expression e = compile_or_throw(".status");
  const auto msgs = events();
  std::int64_t total = 0;
  const std::int64_t t0 = now_ns();
  for (auto _ : state) {
    for (const auto& m : msgs) total += e.eval_int(m);
  }
  const std::int64_t wall = now_ns() - t0;
  benchmark::DoNotOptimize(total);
  const auto evals = static_cast<std::int64_t>(state.iterations() * msgs.size());
  state.SetItemsProcessed(evals);
  state.counters["ns_per_eval"] = static_cast<double>(wall) / static_cast<double>(evals);
}

void BM_FieldNested(benchmark::State& state) { run_test(state, ".user.id > 31", events(), 32); }

void BM_FieldLastInBigDocument(benchmark::State& state) {
  run_test(state, R"(.path == "/v1/items")", big_events(), 64);
}

BENCHMARK(BM_FilterJson);
BENCHMARK(BM_FilterSeq);
BENCHMARK(BM_FieldInt);
BENCHMARK(BM_FieldNested);
BENCHMARK(BM_FieldLastInBigDocument);

}  // namespace

BENCHMARK_MAIN();
