// The `gate` type's control mode (the declarative sync.Cond): messages on
// its first input wait until a message on its second input, the control
// input, makes `open_when` true; `close_when` closes it again.
#pragma once

#include <memory>

#include "sluice/options.hpp"
#include "sluice/stage.hpp"

namespace sluice::builtins {

std::unique_ptr<Stage> make_control_gate(const Options& o);

}  // namespace sluice::builtins
