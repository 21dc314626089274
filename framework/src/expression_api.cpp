// The plugin SDK's Expression and Template (sluice/expression.hpp): handles
// on the expression language's compiled trees, exported by the host.
#include <stdexcept>

#include "expr/expression.hpp"
#include "expr/parser.hpp"
#include "sluice/expression.hpp"

namespace sluice {
inline namespace v1 {

struct Expression::Impl {
  expr::Expression compiled;
};

struct Template::Impl {
  expr::Template compiled;
};

namespace {

[[noreturn]] void throw_parse_error(const expr::ParseError& e) {
  throw std::invalid_argument("column " + std::to_string(e.column) + ": " + e.message);
}

}  // namespace

Expression Expression::compile(std::string_view source) {
  auto e = expr::Expression::compile(source);
  if (!e) throw_parse_error(e.error());
  return Expression(std::make_shared<const Impl>(Impl{std::move(e).value()}));
}

std::optional<SyntaxProblem> Expression::check(std::string_view source) {
  auto e = expr::Expression::compile(source);
  if (e) return std::nullopt;
  return SyntaxProblem{e.error().column, e.error().message};
}

std::vector<SyntaxProblem> Expression::warnings(std::string_view source) {
  std::vector<SyntaxProblem> out;
  for (expr::ParseError& w : expr::detail::lint(source)) {
    out.push_back(SyntaxProblem{w.column, std::move(w.message)});
  }
  return out;
}

bool Expression::test(const Message& m) const { return impl_->compiled.test(m); }

void Expression::render(const Message& m, std::string& out) const {
  impl_->compiled.render(m, out);
}

std::string Expression::render(const Message& m) const {
  std::string out;
  render(m, out);
  return out;
}

std::int64_t Expression::eval_int(const Message& m) const { return impl_->compiled.eval_int(m); }

const std::string& Expression::source() const noexcept { return impl_->compiled.source(); }

Template Template::compile(std::string_view source) {
  auto t = expr::Template::compile(source);
  if (!t) throw_parse_error(t.error());
  return Template(std::make_shared<const Impl>(Impl{std::move(t).value()}));
}

std::optional<SyntaxProblem> Template::check(std::string_view source) {
  auto t = expr::Template::compile(source);
  if (t) return std::nullopt;
  return SyntaxProblem{t.error().column, t.error().message};
}

void Template::render(const Message& m, std::string& out) const { impl_->compiled.render(m, out); }

std::string Template::render(const Message& m) const { return impl_->compiled.render(m); }

const std::string& Template::source() const noexcept { return impl_->compiled.source(); }

}  // namespace v1
}  // namespace sluice
