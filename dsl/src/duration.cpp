#include "sluice/dsl/duration.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

namespace sluice::dsl {
namespace {

struct Unit {
  std::string_view name;
  Nanos ns;
};
constexpr std::array<Unit, 6> kUnits{{{"ns", 1},
                                      {"us", 1'000},
                                      {"ms", 1'000'000},
                                      {"s", kNanosPerSecond},
                                      {"m", 60 * kNanosPerSecond},
                                      {"h", 3600 * kNanosPerSecond}}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<Nanos, std::string> parse_duration(std::string_view text) {
  auto bad = [&](std::string why) {
    return unexpected("invalid duration \"" + std::string(text) + "\": " + std::move(why));
  };
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') return bad("durations cannot be negative");
  // Integer part and fraction kept exact as digits, so "0.1s" is 100000000 ns.
  std::int64_t whole = 0;
  std::string frac;
  bool digits = false;
  while (i < text.size() && is_digit(text[i])) {
    if (whole > std::numeric_limits<std::int64_t>::max() / 10 - 9) return bad("too large");
    whole = whole * 10 + (text[i] - '0');
    digits = true;
    ++i;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) {
      frac += text[i];
      digits = true;
      ++i;
    }
  }
  if (!digits) return bad("expected a number followed by a unit");
  std::string_view unit = text.substr(i);
  if (unit.empty()) return bad("missing unit");
  if (unit.front() == ' ' || unit.front() == '\t')
    return bad("no space is allowed before the unit");
  for (const auto& u : kUnits) {
    if (u.name != unit) continue;
    if (whole > std::numeric_limits<Nanos>::max() / u.ns) return bad("too large");
    Nanos ns = whole * u.ns;
    Nanos scale = u.ns;
    for (char c : frac) {
      scale /= 10;
      ns += (c - '0') * scale;  // digits finer than 1 ns are dropped
    }
    return ns;
  }
  return bad("unknown unit '" + std::string(unit) + "'");
}

std::string format_duration(Nanos ns) {
  if (ns == 0) return "0s";
  for (auto it = kUnits.rbegin(); it != kUnits.rend(); ++it) {
    const Nanos u = it->ns;
    if (ns < u) continue;
    if (ns % u == 0) return std::to_string(ns / u) + std::string(it->name);
    // Up to 3 decimals in this unit when exact ("1.5s", "2.25ms").
    for (Nanos div : {Nanos{10}, Nanos{100}, Nanos{1000}}) {
      if (u % div == 0 && ns % (u / div) == 0) {
        std::string s = std::to_string(ns / u) + '.';
        std::string f = std::to_string(ns % u / (u / div));
        while (f.size() < static_cast<std::size_t>(std::log10(static_cast<double>(div)) + 0.5)) {
          f.insert(f.begin(), '0');
        }
        return s + f + std::string(it->name);
      }
    }
  }
  return std::to_string(ns) + "ns";
}

}  // namespace sluice::dsl
