// A bound on how deeply a TOML text nests, checked before toml++ parses it.
// toml++ recurses once per part of a dotted key (and our own walks of the
// parsed tree recurse too), so a 100 KB line `a.a.a...a = 1` overflows the
// stack; it bounds nested arrays and inline tables (256) but not their keys.
// This one pass over the bytes counts both together and stops at the first
// place past the bound, with its line and column.
//
//   if (auto at = too_deep("a.b.c = 1", 2)) { /* at->line == 1, at->column == 5 */ }
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "position_in_string.hpp"
#include "sluice/dsl/diagnostic.hpp"

namespace sluice::dsl::detail {

/// The most levels a pipeline file may nest: each part of a dotted key or a
/// [table] header, each array and each inline table is one level. A pipeline
/// needs about 5 (`[stages.x]`, `retry = { ... }`).
inline constexpr std::size_t kMaxNesting = 100;

/// Where `text` first nests deeper than `limit` levels (the character that
/// opens level limit + 1), or nothing. Linear in the text; strings and
/// comments are skipped, so dots and brackets inside them do not count.
[[nodiscard]] std::optional<TextPosition> too_deep(std::string_view text,
                                                   std::size_t limit = kMaxNesting);

/// The error for a text too_deep() stops in, at `at` (code "too-deep").
[[nodiscard]] Diagnostic too_deep_error(Span at);

}  // namespace sluice::dsl::detail
