// What `matches` and capture() share: an RE2 regex compiled once when it is a
// literal (an error at load), or per evaluation when it is computed from the
// message, where one that does not compile is an expression error
// (runtime_errors.hpp) and the result is what docs/expressions.md documents.
//
//   auto re = detail::compile_regex(R"((\d+) ms)");  // nullptr + error when bad
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace sluice::expr::detail {

/// The compiled regex, or nullptr with `error` set when `pattern` does not compile.
[[nodiscard]] std::shared_ptr<const re2::RE2> compile_regex(std::string_view pattern,
                                                            std::string& error);

/// Reports a computed regex of message `seq` that does not compile; `consequence` says what
/// the expression gives instead ("`matches` is false").
void report_bad_regex(std::atomic<bool>& logged, std::string_view pattern, const std::string& error,
                      std::uint64_t seq, std::string_view consequence);

}  // namespace sluice::expr::detail
