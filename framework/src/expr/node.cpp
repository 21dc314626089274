#include "expr/node.hpp"

#include <re2/re2.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "expr/regex.hpp"
#include "expr/utf8.hpp"

namespace sluice::expr::detail {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

// Integer arithmetic whose exact result does not fit in int64 gives that result as a
// float, as a JSON number outside int64 reads as one: `9223372036854775807 + 1` is
// 9223372036854775808.0, never a wrapped negative number.
Value checked(BinOp op, std::int64_t a, std::int64_t b) noexcept {
  std::int64_t r = 0;
  const auto x = static_cast<double>(a);
  const auto y = static_cast<double>(b);
  switch (op) {
    case BinOp::add:
      return __builtin_add_overflow(a, b, &r) ? Value::floating(x + y) : Value::integer(r);
    case BinOp::sub:
      return __builtin_sub_overflow(a, b, &r) ? Value::floating(x - y) : Value::integer(r);
    case BinOp::mul:
      return __builtin_mul_overflow(a, b, &r) ? Value::floating(x * y) : Value::integer(r);
    case BinOp::div:
      if (b == 0) return Value::null();
      if (a == kMin && b == -1) return Value::floating(-x);  // 2^63
      return Value::integer(a / b);
    case BinOp::mod:
      if (b == 0) return Value::null();
      if (b == -1) return Value::integer(0);  // kMin % -1 is 0, but traps in C++
      return Value::integer(a % b);
    default:
      return Value::null();
  }
}

Value numeric(BinOp op, const Value& a, const Value& b);

// awk's rule: a string that reads as a number is that number in arithmetic. `+` alone has
// a second meaning, concatenation, which it keeps between two strings and for a string that
// does not read as a number: `"5" + 1` is 6, `"5" + "1"` is "51", `"a" + 1` is "a1".
Value arithmetic(BinOp op, const Value& a, const Value& b, EvalContext& ctx) {
  if (op == BinOp::add) {
    if (a.is_number() && b.is_number()) return numeric(op, a, b);
    if (const auto both = mixed_as_numbers(a, b)) return numeric(op, both->first, both->second);
  } else {
    const auto x = numeric_operand(a);
    const auto y = numeric_operand(b);
    if (!x || !y) return Value::null();
    return numeric(op, *x, *y);
  }
  if (a.kind == Kind::string || b.kind == Kind::string) {
    TextBuf ba;
    TextBuf bb;
    const std::string_view x = text_of(a, ba);
    const std::string_view y = text_of(b, bb);
    std::string s;
    s.reserve(x.size() + y.size());
    s.append(x).append(y);
    return Value::string(ctx.keep(std::move(s)));
  }
  return Value::null();
}

/// Arithmetic on two numbers.
Value numeric(BinOp op, const Value& a, const Value& b) {
  if (a.kind == Kind::integer && b.kind == Kind::integer) return checked(op, a.i, b.i);
  const double x = a.as_double();
  const double y = b.as_double();
  switch (op) {
    case BinOp::add:
      return Value::floating(x + y);
    case BinOp::sub:
      return Value::floating(x - y);
    case BinOp::mul:
      return Value::floating(x * y);
    case BinOp::div:
      if (y == 0.0) return Value::null();
      return Value::floating(x / y);
    case BinOp::mod:
      if (y == 0.0) return Value::null();
      return Value::floating(std::fmod(x, y));
    default:
      return Value::null();
  }
}

/// `hay contains needle` and `needle in hay`.
bool contains(const Value& hay, const Value& needle, EvalContext& ctx) {
  if (hay.is_null() || needle.is_null()) return false;
  if (hay.kind == Kind::list) {
    for (const Value& e : hay.list) {
      if (values_equal(e, needle)) return true;
    }
    return false;
  }
  if (hay.kind == Kind::json && hay.s.front() == '[') {
    return ctx.json().array_contains(hay.s, needle, ctx);
  }
  TextBuf bh;
  TextBuf bn;
  return text_of(hay, bh).find(text_of(needle, bn)) != std::string_view::npos;
}

Value compare(BinOp op, const Value& a, const Value& b, EvalContext& ctx) {
  switch (op) {
    case BinOp::eq:
      return Value::boolean(values_equal(a, b));
    case BinOp::ne:
      return Value::boolean(!values_equal(a, b));
    case BinOp::contains:
      return Value::boolean(contains(a, b, ctx));
    case BinOp::in:
      return Value::boolean(contains(b, a, ctx));
    case BinOp::starts_with:
    case BinOp::ends_with: {
      if (a.is_null() || b.is_null()) return Value::boolean(false);
      TextBuf ba;
      TextBuf bb;
      const std::string_view x = text_of(a, ba);
      const std::string_view y = text_of(b, bb);
      return Value::boolean(op == BinOp::starts_with ? x.starts_with(y) : x.ends_with(y));
    }
    default:
      break;
  }
  const auto c = compare_values(a, b);
  if (!c) return Value::boolean(false);
  switch (op) {
    case BinOp::lt:
      return Value::boolean(*c < 0);
    case BinOp::le:
      return Value::boolean(*c <= 0);
    case BinOp::gt:
      return Value::boolean(*c > 0);
    case BinOp::ge:
      return Value::boolean(*c >= 0);
    default:
      return Value::boolean(false);
  }
}

bool regex_match(std::string_view text, const re2::RE2& re) {
  return re2::RE2::PartialMatch({text.data(), text.size()}, re);
}

/// Where index `index` falls in `n` items, counting from the end when
/// negative (-1 the last); nullopt when it is not an integer or out of range.
std::optional<std::size_t> position(const Value& index, std::size_t n) {
  if (index.kind != Kind::integer) return std::nullopt;
  const auto size = static_cast<std::int64_t>(n);
  const std::int64_t k = index.i < 0 ? index.i + size : index.i;
  if (k < 0 || k >= size) return std::nullopt;
  return static_cast<std::size_t>(k);
}

}  // namespace

Value index_value(const Value& base, const Value& index, EvalContext& ctx) {
  if (base.kind == Kind::json) {
    if (base.s.front() == '{') {
      if (index.kind != Kind::string) return Value::null();
      return ctx.json().member(base.s, index.s, ctx);
    }
    if (index.kind != Kind::integer) return Value::null();
    return ctx.json().element(base.s, index.i, ctx);
  }
  if (base.kind == Kind::list) {
    const auto k = position(index, base.list.size());
    return k ? base.list[*k] : Value::null();
  }
  if (base.kind == Kind::string) {  // the k-th character, as substr(s, k, 1)
    const auto k = position(index, utf8::count(base.s));
    if (!k) return Value::null();
    const std::size_t at = utf8::offset_of(base.s, *k);
    return Value::string(base.s.substr(at, utf8::decode(base.s, at).len));
  }
  return Value::null();
}

Value negate(const Value& in) noexcept {
  const auto n = numeric_operand(in);  // -"5" is -5, as "5" * -1 is
  if (!n) return Value::null();
  const Value& v = *n;
  if (v.kind == Kind::integer) {
    return v.i == kMin ? Value::floating(-static_cast<double>(v.i)) : Value::integer(-v.i);
  }
  if (v.kind == Kind::floating) return Value::floating(-v.f);
  return Value::null();
}

Value LiteralNode::eval(EvalContext& /*ctx*/) const { return value_; }

Value FieldNode::eval(EvalContext& ctx) const {
  const Message& m = ctx.message();
  switch (field_) {
    case Field::payload:
      return Value::string(m.payload);
    case Field::key:
      return Value::string(m.key);
    case Field::priority:
      return Value::integer(m.priority);
    case Field::seq:
      return Value::integer(static_cast<std::int64_t>(m.seq));
    case Field::trace_id:
      return Value::integer(static_cast<std::int64_t>(m.trace_id));
    case Field::value:
      return Value::integer(m.value);
    case Field::ingest_ns:
      return Value::integer(m.ingest_ns);
  }
  return Value::null();
}

Value AttrNode::eval(EvalContext& ctx) const {
  const std::string* v = ctx.message().attrs.find(name_);
  return v != nullptr ? Value::string(*v) : Value::null();
}

Value PathNode::eval(EvalContext& ctx) const { return ctx.json().path(steps_, ctx); }

Value NotNode::eval(EvalContext& ctx) const { return Value::boolean(!truthy(operand_->eval(ctx))); }

Value NegNode::eval(EvalContext& ctx) const {
  const Value v = operand_->eval(ctx);
  return negate(v);
}

Value LogicNode::eval(EvalContext& ctx) const {
  const bool left = truthy(lhs_->eval(ctx));
  if (is_and_ ? !left : left) return Value::boolean(left);
  return Value::boolean(truthy(rhs_->eval(ctx)));
}

Value BinaryNode::eval(EvalContext& ctx) const {
  const Value a = lhs_->eval(ctx);
  const Value b = rhs_->eval(ctx);
  switch (op_) {
    case BinOp::add:
    case BinOp::sub:
    case BinOp::mul:
    case BinOp::div:
    case BinOp::mod:
      return arithmetic(op_, a, b, ctx);
    default:
      return compare(op_, a, b, ctx);
  }
}

Value InListNode::eval(EvalContext& ctx) const {
  const Value needle = lhs_->eval(ctx);
  if (needle.is_null()) return Value::boolean(false);
  for (const NodePtr& item : list_->items()) {
    if (values_equal(needle, item->eval(ctx))) return Value::boolean(true);
  }
  return Value::boolean(false);
}

Value MatchNode::eval(EvalContext& ctx) const {
  const Value v = lhs_->eval(ctx);
  if (v.is_null()) return Value::boolean(false);
  TextBuf buf;
  const std::string_view text = text_of(v, buf);
  if (regex_) return Value::boolean(regex_match(text, *regex_));
  const Value p = pattern_->eval(ctx);
  if (p.is_null()) return Value::boolean(false);
  TextBuf pbuf;
  const std::string_view pattern = text_of(p, pbuf);
  std::string error;
  const auto re = compile_regex(pattern, error);
  if (!re) {
    report_bad_regex(bad_pattern_logged_, pattern, error, ctx.message().seq, "`matches` is false");
    return Value::boolean(false);
  }
  return Value::boolean(regex_match(text, *re));
}

Value ListNode::eval(EvalContext& ctx) const {
  std::vector<Value> items;
  items.reserve(items_.size());
  for (const NodePtr& item : items_) items.push_back(item->eval(ctx));
  return Value::make_list(ctx.keep(std::move(items)));
}

Value ListIndexNode::eval(EvalContext& ctx) const {
  const auto k = position(index_->eval(ctx), list_->items().size());  // as index_value
  return k ? list_->items()[*k]->eval(ctx) : Value::null();
}

Value IndexNode::eval(EvalContext& ctx) const {
  const Value base = base_->eval(ctx);
  const Value index = index_->eval(ctx);
  return index_value(base, index, ctx);
}

Value CallNode::eval(EvalContext& ctx) const { return call_function(func_, args_, ctx); }

}  // namespace sluice::expr::detail
