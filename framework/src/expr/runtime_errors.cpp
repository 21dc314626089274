#include "expr/runtime_errors.hpp"

#include <string>

namespace sluice::expr {

ErrorScope::ErrorScope(Context& ctx) noexcept : previous_(detail::tl_stage) {
  detail::tl_stage = &ctx;
}

ErrorScope::~ErrorScope() { detail::tl_stage = previous_; }

namespace detail {

void report_error(std::atomic<bool>& logged, std::string_view what) {
  Context* const ctx = tl_stage;
  if (ctx == nullptr) return;
  ctx->add_counter("expression_errors");
  if (!logged.exchange(true, std::memory_order_relaxed)) {
    ctx->log(LogLevel::warn,
             "expression error: " + std::string(what) +
                 " (this expression's later errors are counted in expression_errors, not logged)");
  }
}

}  // namespace detail
}  // namespace sluice::expr
