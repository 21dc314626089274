#include <utility>

#include "expr/eval_context.hpp"
#include "expr/expression.hpp"
#include "expr/node.hpp"
#include "expr/parser.hpp"
#include "expr/value.hpp"

namespace sluice::expr {

/// Literal text, or an `{expr}` when `expr` is set.
struct Template::Part {
  std::string text;
  std::shared_ptr<const Node> expr;
};

namespace {

/// The end (index of the closing '}') of the expression starting at `from`, skipping quoted
/// strings, or npos when the template ends first.
std::size_t find_close(std::string_view s, std::size_t from) {
  char quote = 0;
  for (std::size_t k = from; k < s.size(); ++k) {
    const char c = s[k];
    if (quote != 0) {
      if (c == '\\') {
        ++k;
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '}') {
      return k;
    }
  }
  return std::string_view::npos;
}

}  // namespace

Result<Template, ParseError> Template::compile(std::string_view source) {
  auto parts = std::make_shared<std::vector<Part>>();
  std::string text;
  auto flush = [&] {
    if (!text.empty()) parts->push_back(Part{std::move(text), nullptr});
    text.clear();
  };
  for (std::size_t k = 0; k < source.size(); ++k) {
    const char c = source[k];
    if (c == '}') {
      if (k + 1 < source.size() && source[k + 1] == '}') {
        text.push_back('}');
        ++k;
        continue;
      }
      return unexpected(
          ParseError{k + 1, "unmatched '}' in template (write '}}' for a literal '}')"});
    }
    if (c != '{') {
      text.push_back(c);
      continue;
    }
    if (k + 1 < source.size() && source[k + 1] == '{') {
      text.push_back('{');
      ++k;
      continue;
    }
    const std::size_t close = find_close(source, k + 1);
    if (close == std::string_view::npos) {
      return unexpected(
          ParseError{k + 1, "unterminated '{' in template (write '{{' for a literal '{')"});
    }
    const std::string_view inner = source.substr(k + 1, close - k - 1);
    if (inner.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return unexpected(ParseError{k + 1, "empty '{}' in template"});
    }
    auto root = detail::parse(inner, k + 1);
    if (!root) return unexpected(std::move(root.error()));
    flush();
    parts->push_back(Part{{}, std::shared_ptr<const Node>(std::move(*root))});
    k = close;
  }
  flush();
  Template t;
  t.parts_ = std::move(parts);
  t.source_ = std::string(source);
  return t;
}

void Template::render(const Message& m, std::string& out) const {
  if (!parts_) return;
  if (is_constant()) {
    if (!parts_->empty()) out.append(parts_->front().text);
    return;
  }
  detail::EvalContext ctx(m);  // shared by all parts: the payload is validated once
  for (const Part& p : *parts_) {
    if (p.expr) {
      append_text(p.expr->eval(ctx), out);
    } else {
      out.append(p.text);
    }
  }
}

bool Template::is_constant() const noexcept {
  return !parts_ || parts_->empty() || (parts_->size() == 1 && !parts_->front().expr);
}

}  // namespace sluice::expr
