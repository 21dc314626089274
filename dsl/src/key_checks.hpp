// `check` warns about a `count` or `dedupe` that groups by `key` (the default
// of `by`) when no message reaching it can have a key: it comes from a source
// that sets none (`file`, `stdin`, a `generate` without `key`) through stages
// that keep the key as it is. Every message then has the key "": `count`
// makes one group, `dedupe` drops all but the first message.
#pragma once

#include <vector>

#include "load_context.hpp"
#include "stage_work.hpp"

namespace sluice::dsl::detail {

void warn_keyless_by_key(LoadContext& ctx, const std::vector<StageWork>& stages);

}  // namespace sluice::dsl::detail
