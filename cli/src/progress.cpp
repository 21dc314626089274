#include "progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "sluice/dsl/printable.hpp"

namespace sluice::cli {
namespace {

std::string with_suffix(double value) {
  constexpr std::array<std::string_view, 4> kSuffixes = {"k", "M", "G", "T"};
  std::size_t i = 0;
  value /= 1000.0;
  while (value >= 999.95 && i + 1 < kSuffixes.size()) {
    value /= 1000.0;
    ++i;
  }
  return fmt::format("{:.1f}{}", value, kSuffixes[i]);
}

const StageStats* find_stage(const Stats& stats, std::string_view name) {
  for (const auto& s : stats.stages) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string percent(double share) {
  return fmt::format("{:.0f}%", std::clamp(share, 0.0, 1.0) * 100.0);
}

struct Inputs {
  bool any{false};
  std::uint64_t depth{0};
  std::uint64_t capacity{0};
  std::uint64_t dropped{0};
};

Inputs inputs_of(const Stats& stats, std::string_view stage) {
  Inputs in;
  for (const auto& e : stats.edges) {
    if (e.to != stage) continue;  // `to` is a stage name (`from` may name a port)
    in.any = true;
    in.depth += e.depth;
    in.capacity += e.capacity;
    in.dropped += e.dropped;
  }
  return in;
}

}  // namespace

std::string compact_count(std::uint64_t value) {
  if (value < 100000) return std::to_string(value);
  return with_suffix(static_cast<double>(value));
}

std::string compact_rate(double per_second) {
  if (per_second < 999.95) return fmt::format("{:.1f}", std::max(per_second, 0.0));
  return with_suffix(per_second);
}

std::string render_progress(const Stats& before, const Stats& now, double interval_s,
                            const Instances& instances) {
  // Names come from the file: an escape sequence in one must not reach the terminal.
  std::size_t width = 5;  // "stage"
  for (const auto& s : now.stages) width = std::max(width, dsl::printable(s.name).size());

  std::string out =
      fmt::format("{}  {}  {:.1f}s\n", dsl::printable(now.pipeline), now.status, now.elapsed_s);
  const bool breakers = std::any_of(now.stages.begin(), now.stages.end(),
                                    [](const StageStats& s) { return !s.breaker.empty(); });
  // A column appears once a stage has restarted: most runs never do.
  const bool restarts = std::any_of(now.stages.begin(), now.stages.end(),
                                    [](const StageStats& s) { return s.restarts > 0; });
  out += fmt::format("{:<{}} {:>7} {:>7} {:>7} {:>6} {:>5} {:>7} {:>7} {:>6}", "stage", width, "in",
                     "out", "rate/s", "queue", "busy", "blocked", "dropped", "errors");
  if (restarts) out += fmt::format(" {:>8}", "restarts");
  out += breakers ? "  breaker\n" : "\n";
  const StageStats zero{};
  for (const auto& s : now.stages) {
    const StageStats* found = find_stage(before, s.name);
    const StageStats& prev = found != nullptr ? *found : zero;
    const Inputs in = inputs_of(now, s.name);

    auto delta = [](std::uint64_t a, std::uint64_t b) {
      return a >= b ? static_cast<double>(a - b) : 0.0;
    };
    const double moved = in.any ? delta(s.in, prev.in) : delta(s.out, prev.out);
    const double rate = interval_s > 0 ? moved / interval_s : 0.0;

    const auto it = instances.find(s.name);
    const double n = it != instances.end() && it->second > 0 ? static_cast<double>(it->second) : 1;
    const double wall = interval_s * n;
    const double busy = wall > 0 ? (s.busy_s - prev.busy_s) / wall : 0.0;
    const double blocked = wall > 0 ? (s.blocked_s - prev.blocked_s) / wall : 0.0;

    // A fused stage runs in its chain head's loop: no queue of its own, and
    // its time is the head's.
    const bool fused = !s.fused_into.empty();
    std::string queue = "-";
    if (in.any && !fused) {
      queue = in.capacity > 0
                  ? percent(static_cast<double>(in.depth) / static_cast<double>(in.capacity))
                  : "0%";
    }
    out += fmt::format("{:<{}} {:>7} {:>7} {:>7} {:>6} {:>5} {:>7} {:>7} {:>6}\n",
                       dsl::printable(s.name), width, compact_count(s.in), compact_count(s.out),
                       compact_rate(rate), queue, fused ? std::string("fused") : percent(busy),
                       percent(blocked), compact_count(s.dropped + in.dropped),
                       compact_count(s.errors));
    if (restarts) {
      out.pop_back();
      out += fmt::format(" {:>8}\n", compact_count(s.restarts));
    }
    if (breakers) {
      out.pop_back();
      out += "  " + (s.breaker.empty() ? std::string("-") : s.breaker_state) + "\n";
    }
  }
  return out;
}

}  // namespace sluice::cli
