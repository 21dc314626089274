// The built-ins' name for the public sluice/node_state.hpp (node_state is
// part of the plugin SDK).
#pragma once

#include "sluice/node_state.hpp"

namespace sluice::builtins {

using sluice::node_state;

}  // namespace sluice::builtins
