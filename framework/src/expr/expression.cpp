#include "expr/expression.hpp"

#include "expr/eval_context.hpp"
#include "expr/node.hpp"
#include "expr/parser.hpp"
#include "expr/value.hpp"

namespace sluice::expr {

Result<Expression, ParseError> Expression::compile(std::string_view source) {
  auto root = detail::parse(source);
  if (!root) return unexpected(std::move(root.error()));
  Expression e;
  e.root_ = std::shared_ptr<const Node>(std::move(*root));
  e.source_ = std::string(source);
  return e;
}

bool Expression::test(const Message& m) const {
  if (!root_) return false;
  detail::EvalContext ctx(m);
  return truthy(root_->eval(ctx));
}

void Expression::render(const Message& m, std::string& out) const {
  if (!root_) return;
  detail::EvalContext ctx(m);
  append_text(root_->eval(ctx), out);
}

std::int64_t Expression::eval_int(const Message& m) const {
  if (!root_) return 0;
  detail::EvalContext ctx(m);
  return to_int(root_->eval(ctx)).value_or(0);
}

}  // namespace sluice::expr
