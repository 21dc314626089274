// The compiled expression tree. The parser builds it once at load; evaluation walks it
// with a per-call EvalContext, so a tree is immutable and shared by all threads.
//
//   detail::NodePtr n = std::make_unique<detail::FieldNode>(detail::Field::seq);
//   detail::EvalContext ctx(message);
//   Value v = n->eval(ctx);
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "expr/eval_context.hpp"
#include "expr/functions.hpp"
#include "expr/value.hpp"

namespace re2 {
class RE2;
}

namespace sluice::expr {

class Node {
 public:
  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  virtual ~Node() = default;

  /// Evaluates the node; string and list results stay valid while `ctx` lives.
  [[nodiscard]] virtual Value eval(detail::EvalContext& ctx) const = 0;
};

namespace detail {

using NodePtr = std::unique_ptr<const Node>;

class LiteralNode final : public Node {
 public:
  explicit LiteralNode(Value v) : value_(v) {}
  explicit LiteralNode(std::string s) : text_(std::move(s)), value_(Value::string(text_)) {}
  [[nodiscard]] Value eval(EvalContext& ctx) const override;
  [[nodiscard]] const Value& value() const noexcept { return value_; }

 private:
  std::string text_;  // owns a string literal; value_ views it
  Value value_;
};

enum class Field : std::uint8_t { payload, key, priority, seq, trace_id, value, ingest_ns };

class FieldNode final : public Node {
 public:
  explicit FieldNode(Field f) : field_(f) {}
  [[nodiscard]] Value eval(EvalContext& ctx) const override;
  [[nodiscard]] Field field() const noexcept { return field_; }

 private:
  Field field_;
};

class AttrNode final : public Node {
 public:
  explicit AttrNode(std::string name) : name_(std::move(name)) {}
  [[nodiscard]] Value eval(EvalContext& ctx) const override;

 private:
  std::string name_;
};

class PathNode final : public Node {
 public:
  explicit PathNode(std::vector<PathStep> steps) : steps_(std::move(steps)) {}
  [[nodiscard]] Value eval(EvalContext& ctx) const override;

 private:
  std::vector<PathStep> steps_;
};

class NotNode final : public Node {
 public:
  explicit NotNode(NodePtr operand) : operand_(std::move(operand)) {}
  [[nodiscard]] Value eval(EvalContext& ctx) const override;

 private:
  NodePtr operand_;
};

class NegNode final : public Node {
 public:
  explicit NegNode(NodePtr operand) : operand_(std::move(operand)) {}
  [[nodiscard]] Value eval(EvalContext& ctx) const override;

 private:
  NodePtr operand_;
};

/// `&&` and `||`: short-circuit, result is a boolean.
class LogicNode final : public Node {
 public:
  LogicNode(bool is_and, NodePtr lhs, NodePtr rhs)
      : is_and_(is_and), lhs_(std::move(lhs)), rhs_(std::move(rhs)) {}
  [[nodiscard]] Value eval(EvalContext& ctx) const override;

 private:
  bool is_and_;
  NodePtr lhs_;
  NodePtr rhs_;
};

enum class BinOp : std::uint8_t {
  add,
  sub,
  mul,
  div,
  mod,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  contains,
  starts_with,
  ends_with,
  in,
};

class BinaryNode final : public Node {
 public:
  BinaryNode(BinOp op, NodePtr lhs, NodePtr rhs)
      : op_(op), lhs_(std::move(lhs)), rhs_(std::move(rhs)) {}
  [[nodiscard]] Value eval(EvalContext& ctx) const override;

 private:
  BinOp op_;
  NodePtr lhs_;
  NodePtr rhs_;
};

/// `x matches re`: `re` is compiled at load when it is a literal (`regex_` set), else per
/// evaluation from `pattern_`. Unanchored (RE2::PartialMatch). A computed pattern that
/// does not compile matches nothing and is reported (expr/runtime_errors.hpp).
class MatchNode final : public Node {
 public:
  MatchNode(NodePtr lhs, std::shared_ptr<const re2::RE2> regex)
      : lhs_(std::move(lhs)), regex_(std::move(regex)) {}
  MatchNode(NodePtr lhs, NodePtr pattern) : lhs_(std::move(lhs)), pattern_(std::move(pattern)) {}
  [[nodiscard]] Value eval(EvalContext& ctx) const override;

 private:
  NodePtr lhs_;
  std::shared_ptr<const re2::RE2> regex_;
  NodePtr pattern_;
  mutable std::atomic<bool> bad_pattern_logged_{false};  ///< the first bad pattern is logged
};

class ListNode final : public Node {
 public:
  explicit ListNode(std::vector<NodePtr> items) : items_(std::move(items)) {}
  [[nodiscard]] Value eval(EvalContext& ctx) const override;
  [[nodiscard]] const std::vector<NodePtr>& items() const noexcept { return items_; }

 private:
  std::vector<NodePtr> items_;
};

/// `x in [a, b, c]` with a list literal: compares element by element, building no list.
class InListNode final : public Node {
 public:
  InListNode(NodePtr lhs, std::unique_ptr<const ListNode> list)
      : lhs_(std::move(lhs)), list_(std::move(list)) {}
  [[nodiscard]] Value eval(EvalContext& ctx) const override;

 private:
  NodePtr lhs_;
  std::unique_ptr<const ListNode> list_;
};

/// `[a, b, c][i]` with a list literal: evaluates the one item picked, building no list.
class ListIndexNode final : public Node {
 public:
  ListIndexNode(std::unique_ptr<const ListNode> list, NodePtr index)
      : list_(std::move(list)), index_(std::move(index)) {}
  [[nodiscard]] Value eval(EvalContext& ctx) const override;

 private:
  std::unique_ptr<const ListNode> list_;
  NodePtr index_;
};

class IndexNode final : public Node {
 public:
  IndexNode(NodePtr base, NodePtr index) : base_(std::move(base)), index_(std::move(index)) {}
  [[nodiscard]] Value eval(EvalContext& ctx) const override;

 private:
  NodePtr base_;
  NodePtr index_;
};

class CallNode final : public Node {
 public:
  CallNode(Func f, std::vector<NodePtr> args) : func_(f), args_(std::move(args)) {}
  [[nodiscard]] Value eval(EvalContext& ctx) const override;
  [[nodiscard]] Func func() const noexcept { return func_; }

 private:
  Func func_;
  std::vector<NodePtr> args_;
};

/// Unary minus: null unless a number; -(-2^63) is the float 2^63.
[[nodiscard]] Value negate(const Value& v) noexcept;

/// Indexes a list, JSON array or object, or string (one byte); null when out of range.
[[nodiscard]] Value index_value(const Value& base, const Value& index, EvalContext& ctx);

}  // namespace detail
}  // namespace sluice::expr
