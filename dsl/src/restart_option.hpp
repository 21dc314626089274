// A stage's `restart` table: { max_restarts, within, backoff = { initial,
// max } }, checked key by key like the other policies (the nested backoff
// table against its own schema).
#pragma once

#include <toml++/toml.h>

#include <optional>
#include <string>

#include "load_context.hpp"
#include "sluice/options.hpp"

namespace sluice::dsl::detail {

/// The checked table, or nothing after reporting why not. `where`: " in stage 'x'".
std::optional<OptionValue> load_restart(LoadContext& ctx, const toml::node& n,
                                        const std::string& where);

}  // namespace sluice::dsl::detail
