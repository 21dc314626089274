// Errors an expression meets while it evaluates, not when it is loaded: a regex
// built from the message (`key matches attrs.pattern`) that does not compile.
// The evaluation goes on with the value docs/expressions.md documents (`matches` is
// false), and the error is reported to the stage whose call is running on this
// thread: counted in its `expression_errors` counter, and the first error of
// each expression logged with the stage's name.
//
// The runtime names that stage around each of its calls:
//
//   const expr::ErrorScope errors(ctx);  // this thread's expression errors go to ctx
//   stage->process(std::move(m), out, ctx);
//
// Outside any scope (a test calling an expression directly) errors are only
// what the value says.
#pragma once

#include <atomic>
#include <string_view>

#include "sluice/stage.hpp"

namespace sluice::expr {

class ErrorScope {
 public:
  explicit ErrorScope(Context& ctx) noexcept;
  ~ErrorScope();
  ErrorScope(const ErrorScope&) = delete;
  ErrorScope& operator=(const ErrorScope&) = delete;

  /// Reports go to `ctx` from now on (the next stage of a fused chain).
  /// Inline: a fused chain calls it per stage per message.
  void retarget(Context& ctx) noexcept;

 private:
  Context* previous_;
};

namespace detail {

/// The stage whose call runs on this thread (null outside any ErrorScope).
inline thread_local Context* tl_stage = nullptr;

/// Reports `what` to this thread's stage; `logged` is the failing expression's
/// own flag, so that only its first error is logged and the rest are counted.
void report_error(std::atomic<bool>& logged, std::string_view what);

}  // namespace detail

inline void ErrorScope::retarget(Context& ctx) noexcept { detail::tl_stage = &ctx; }

}  // namespace sluice::expr
