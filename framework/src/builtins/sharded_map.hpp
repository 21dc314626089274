// The built-ins' name for the public sluice/sharded_map.hpp (ShardedMap is
// part of the plugin SDK).
#pragma once

#include "sluice/sharded_map.hpp"

namespace sluice::builtins {

using sluice::Sharded;
using sluice::ShardedMap;
using sluice::StringHash;

}  // namespace sluice::builtins
