// "did you mean 'capacity'?" for misspelt keys, types and stage names.
//
//   auto s = sluice::dsl::did_you_mean("capcity", {"capacity", "workers"});  // "capacity"
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::dsl {

/// Optimal string alignment distance (Levenshtein plus adjacent transposition).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The closest candidate within a distance that scales with the word's length
/// (at most 1 for short words, up to a third of the length); ties go to the first.
std::optional<std::string> did_you_mean(std::string_view word,
                                        const std::vector<std::string>& candidates);

/// The same with the distance limit given: for names the user chose (stage
/// names), where a looser match is still worth a hint.
std::optional<std::string> did_you_mean(std::string_view word,
                                        const std::vector<std::string>& candidates,
                                        std::size_t max_distance);

}  // namespace sluice::dsl
