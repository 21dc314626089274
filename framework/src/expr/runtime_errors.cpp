#include "expr/runtime_errors.hpp"

#include <string>

namespace sluice::expr {
namespace {

thread_local Context* tl_stage = nullptr;

}  // namespace

ErrorScope::ErrorScope(Context& ctx) noexcept : previous_(tl_stage) { tl_stage = &ctx; }

ErrorScope::~ErrorScope() { tl_stage = previous_; }

void ErrorScope::retarget(Context& ctx) noexcept { tl_stage = &ctx; }

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
