// What the parser does with a function call once its arguments are parsed: the
// load-time checks every function gets (the name, the number of arguments)
// and the node each one becomes: a CallNode, a CaptureNode with its regex
// compiled (capture.hpp), or for env() the variable's value as a literal.
//
//   if (auto msg = detail::arity_error(*f, args.size())) fail(name, *msg);
//   auto node = detail::build_call(*f, std::move(args));
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "expr/functions.hpp"
#include "expr/node.hpp"
#include "sluice/result.hpp"

namespace sluice::expr::detail {

/// "unknown function 'x'", with the closest name or the list of all functions.
[[nodiscard]] std::string unknown_function(std::string_view name);

/// "function 'f' takes 2 or 3 arguments, got 1", or nullopt when `got` is right.
[[nodiscard]] std::optional<std::string> arity_error(const FuncInfo& f, std::size_t got);

/// A load-time error about one argument of a call.
struct ArgumentError {
  std::size_t arg{0};
  std::string message;
};

/// The node of a call of `f` with `args` (their number already checked).
[[nodiscard]] Result<NodePtr, ArgumentError> build_call(const FuncInfo& f,
                                                        std::vector<NodePtr> args);

}  // namespace sluice::expr::detail
