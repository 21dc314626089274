// A check of the whole parsed file, --set values included, that no schema
// makes: no number is nan or inf (no option means them: a rate of inf spun
// forever). Options check their own values (with a better message), so this
// reports what they do not see: numbers in lists and tables.
#pragma once

#include <toml++/toml.h>

#include "load_context.hpp"

namespace sluice::dsl::detail {

/// Run last: a number an option's check already reported at its place is
/// not reported again.
void check_tree(LoadContext& ctx, const toml::table& root);

}  // namespace sluice::dsl::detail
