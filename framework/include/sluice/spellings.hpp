// The one place where each enum an option takes is spelt: the TOML schemas
// take their choices from here, the DSL parses with it and to_string() prints
// with it, so the three cannot drift apart.
//
//   choices_of(kJitterSpellings)            // {"none", "full", "equal", "decorrelated"}
//   parse_spelling(kJitterSpellings, "equal", Jitter::full)  // Jitter::equal
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/graph.hpp"
#include "sluice/limits.hpp"
#include "sluice/resilience.hpp"

namespace sluice {
inline namespace v1 {

template <typename E>
struct Spelling {
  E value;
  std::string_view name;
};

inline constexpr std::array<Spelling<Overflow>, 3> kOverflowSpellings{{
    {Overflow::block, "block"},
    {Overflow::drop_newest, "drop_newest"},
    {Overflow::drop_oldest, "drop_oldest"},
}};
inline constexpr std::array<Spelling<OnError>, 4> kOnErrorSpellings{{
    {OnError::fail, "fail"},
    {OnError::drop, "drop"},
    {OnError::dead_letter, "dead_letter"},
    {OnError::restart, "restart"},
}};
inline constexpr std::array<Spelling<Jitter>, 4> kJitterSpellings{{
    {Jitter::none, "none"},
    {Jitter::full, "full"},
    {Jitter::equal, "equal"},
    {Jitter::decorrelated, "decorrelated"},
}};
inline constexpr std::array<Spelling<RetryOn>, 2> kRetryOnSpellings{{
    {RetryOn::transient, "transient"},
    {RetryOn::any, "any"},
}};
inline constexpr std::array<Spelling<RateLimiter::Mode>, 2> kLimiterModeSpellings{{
    {RateLimiter::Mode::delay, "delay"},
    {RateLimiter::Mode::drop, "drop"},
}};

/// The spellings, in order, as a schema's `choices`.
template <typename E, std::size_t N>
std::vector<std::string> choices_of(const std::array<Spelling<E>, N>& table) {
  std::vector<std::string> out;
  for (const auto& s : table) out.emplace_back(s.name);
  return out;
}

/// The value spelt `name`; `fallback` for a spelling the table lacks (the
/// schema has rejected it already).
template <typename E, std::size_t N>
constexpr E parse_spelling(const std::array<Spelling<E>, N>& table, std::string_view name,
                           E fallback) noexcept {
  for (const auto& s : table) {
    if (s.name == name) return s.value;
  }
  return fallback;
}

/// The spelling of `value`; "?" for a value the table lacks.
template <typename E, std::size_t N>
constexpr std::string_view spelling_of(const std::array<Spelling<E>, N>& table, E value) noexcept {
  for (const auto& s : table) {
    if (s.value == value) return s.name;
  }
  return "?";
}

}  // namespace v1
}  // namespace sluice
