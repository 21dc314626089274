// capture(s, re, n): group `n` (0: the whole match, default 1) of the first match of the
// RE2 regex `re` in `s`, null when it does not match or the group took no part. A literal
// `re` is compiled when the file is loaded (an error there, as a bad group number is);
// a computed one per evaluation, and one that does not compile gives null and is an
// expression error (runtime_errors.hpp), as for `matches`.
//
//   capture("took 35 ms", "(\\d+) ms", 1)   // "35"
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "expr/node.hpp"
#include "sluice/result.hpp"

namespace sluice::expr::detail {

/// A load-time error of capture(): which argument and why.
struct CaptureError {
  std::size_t arg{0};
  std::string message;
};

class CaptureNode final : public Node {
 public:
  /// Builds the node from its 2 or 3 arguments.
  static Result<NodePtr, CaptureError> make(std::vector<NodePtr> args);

  [[nodiscard]] Value eval(EvalContext& ctx) const override;

 private:
  CaptureNode() = default;

  NodePtr subject_;
  std::shared_ptr<const re2::RE2> regex_;  ///< set when the pattern is a literal
  NodePtr pattern_;                        ///< otherwise
  NodePtr group_;                          ///< null: group 1
  mutable std::atomic<bool> bad_pattern_logged_{false};
};

}  // namespace sluice::expr::detail
