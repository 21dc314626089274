// The built-ins' names for the SDK's option error (sluice/bad_option.hpp), so
// that built-ins and their tests say BadOption inside sluice::builtins.
#pragma once

#include "sluice/bad_option.hpp"

namespace sluice::builtins {

using sluice::BadOption;
using sluice::kind_name;

}  // namespace sluice::builtins
