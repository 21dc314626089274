// Where a stage factory's complaint points and how it reads. A factory that
// rejects its options throws: best sluice::BadOption (built-ins and plugins
// alike), which names the option; anything else (a plugin's plain
// exception) is placed at the option its message names, if any.
//
//   auto opt = mentioned_option("weights must be integers >= 1", spec.option_spans);
//   // "weights": the diagnostic goes to the value of `weights`
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/dsl/diagnostic.hpp"

namespace sluice::dsl::detail {

/// The given option that `message` names first, as a whole word ("weights",
/// "'separator'"), or nothing.
[[nodiscard]] std::optional<std::string> mentioned_option(std::string_view message,
                                                          const std::map<std::string, Span>& given);

/// `message` about stage `stage`: " in stage 'NAME'" goes right after the
/// first quoted mention of `option` ("'separator' in stage 'lines' must not
/// be empty"); without one, "stage 'NAME': " leads.
[[nodiscard]] std::string in_stage(std::string_view message, std::string_view option,
                                   std::string_view stage);

}  // namespace sluice::dsl::detail
