// The built-in functions: their names and arities (checked at load) and their evaluation.
//
//   const detail::FuncInfo* f = detail::find_function("substr");  // arity 3..3
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "expr/eval_context.hpp"
#include "expr/value.hpp"

namespace sluice::expr {
class Node;
}

namespace sluice::expr::detail {

enum class Func : std::uint8_t {
  lower,
  upper,
  trim,
  len,
  split,
  substr,
  to_int,
  to_float,
  to_str,
  hash,
  coalesce,
  if_,
  now,
  format_time,
  parse_time,
  capture,  ///< built as a CaptureNode (capture.hpp), not called through call_function
  json,
  env,  ///< read when the expression is compiled: the parser makes it a literal
};

struct FuncInfo {
  std::string_view name;
  Func func;
  int min_args;
  int max_args;  ///< -1: any number
  /// Always a number or null: `check` warns when it meets a string literal that does not
  /// read as a number (`len(key) == "long"`).
  bool gives_number{false};
};

/// nullptr when there is no function of that name.
[[nodiscard]] const FuncInfo* find_function(std::string_view name) noexcept;
[[nodiscard]] std::span<const FuncInfo> all_functions() noexcept;

/// Evaluates `f`; arguments are nodes so that coalesce() and if() evaluate only what they need.
[[nodiscard]] Value call_function(Func f, std::span<const std::unique_ptr<const Node>> args,
                                  EvalContext& ctx);

/// The stable hash of hash(x): FNV-1a 64 of the textual form, top bit cleared so that the
/// result is non-negative and `hash(x) % n` lies in [0, n).
[[nodiscard]] std::int64_t stable_hash(std::string_view text) noexcept;

}  // namespace sluice::expr::detail
