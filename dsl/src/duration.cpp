#include "sluice/dsl/duration.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

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
bool is_blank(char c) { return c == ' ' || c == '\t'; }

/// Longer or other spellings people write, and the unit they mean.
constexpr std::array<std::pair<std::string_view, std::string_view>, 32> kAliases{{
    {"nsec", "ns"},       {"nsecs", "ns"},       {"nano", "ns"},        {"nanos", "ns"},
    {"nanosecond", "ns"}, {"nanoseconds", "ns"}, {"usec", "us"},        {"usecs", "us"},
    {"micro", "us"},      {"micros", "us"},      {"microsecond", "us"}, {"microseconds", "us"},
    {"\xC2\xB5s", "us"},  {"\xCE\xBCs", "us"},   {"msec", "ms"},        {"msecs", "ms"},
    {"milli", "ms"},      {"millis", "ms"},      {"millisecond", "ms"}, {"milliseconds", "ms"},
    {"sec", "s"},         {"secs", "s"},         {"second", "s"},       {"seconds", "s"},
    {"min", "m"},         {"mins", "m"},         {"minute", "m"},       {"minutes", "m"},
    {"hr", "h"},          {"hrs", "h"},          {"hour", "h"},         {"hours", "h"},
}};

const Unit* find_unit(std::string_view name) {
  for (const auto& u : kUnits) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

/// The unit `word` most likely means: an alias or another case ("MS", "Sec").
std::string_view meant_unit(std::string_view word) {
  std::string lower(word);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (const Unit* u = find_unit(lower)) return u->name;
  for (const auto& [alias, unit] : kAliases) {
    if (alias == lower) return unit;
  }
  return {};
}

/// "1h30m" as one duration, or -1 when it is not a run of number-unit pairs.
Nanos compound(std::string_view text) {
  std::vector<std::string_view> parts;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    while (i < text.size() && (is_digit(text[i]) || text[i] == '.')) ++i;
    const std::size_t unit_start = i;
    while (i < text.size() && !is_digit(text[i]) && text[i] != '.') ++i;
    if (unit_start == start || unit_start == i) return -1;
    if (find_unit(text.substr(unit_start, i - unit_start)) == nullptr) return -1;
    parts.push_back(text.substr(start, i - start));
  }
  if (parts.size() < 2) return -1;  // one part: parse_duration has said what is wrong
  Nanos total = 0;
  for (const auto part : parts) {
    auto ns = parse_duration(part);  // a known unit: no way back here
    if (!ns || *ns > std::numeric_limits<Nanos>::max() - total) return -1;
    total += *ns;
  }
  return total;
}

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
  const std::string_view number = text.substr(0, i);
  const auto instead = [&](std::string_view spelling) {
    return " (did you mean \"" + std::string(spelling) + "\"?)";
  };
  if (is_blank(unit.front())) {
    while (!unit.empty() && is_blank(unit.front())) unit.remove_prefix(1);
    const std::string_view meant = meant_unit(unit);
    if (meant.empty()) return bad("unknown unit '" + std::string(unit) + "'");
    return bad("no space is allowed before the unit" +
               instead(std::string(number) + std::string(meant)));
  }
  if (find_unit(unit) == nullptr) {
    if (const std::string_view meant = meant_unit(unit); !meant.empty()) {
      return bad("unknown unit '" + std::string(unit) + "'" +
                 instead(std::string(number) + std::string(meant)));
    }
    if (const Nanos total = compound(text); total >= 0) {
      return bad("one number and one unit only" + instead(format_duration(total)));
    }
  }
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
