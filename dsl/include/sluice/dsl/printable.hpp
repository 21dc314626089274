// Text from a pipeline file made safe to print on a terminal: control
// characters (an escape sequence in a stage name, a NUL in a key) are shown
// as C escapes instead of acting on the terminal or cutting the line short.
//
//   sluice::dsl::printable("a\x1b[2Jb");  // "a\\x1b[2Jb": printed as a\x1b[2Jb
#pragma once

#include <string>
#include <string_view>

namespace sluice::dsl {

/// `s` with \n, \r, \t, the other C0 controls, DEL and the C1 controls
/// (U+0080..U+009F) escaped as \n, \r, \t and \xNN; the rest unchanged.
[[nodiscard]] std::string printable(std::string_view s);

}  // namespace sluice::dsl
