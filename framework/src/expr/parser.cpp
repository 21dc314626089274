#include "expr/parser.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "expr/calls.hpp"
#include "expr/functions.hpp"
#include "expr/lexer.hpp"
#include "expr/regex.hpp"

namespace sluice::expr::detail {
namespace {

struct FieldName {
  std::string_view name;
  Field field;
};

constexpr std::array<FieldName, 7> kFields{{
    {"payload", Field::payload},
    {"key", Field::key},
    {"priority", Field::priority},
    {"seq", Field::seq},
    {"trace_id", Field::trace_id},
    {"value", Field::value},
    {"ingest_ns", Field::ingest_ns},
}};

constexpr std::array<std::string_view, 11> kNames{"payload",  "key",   "priority",  "seq",
                                                  "trace_id", "value", "ingest_ns", "attrs",
                                                  "true",     "false", "null"};

constexpr std::array<std::string_view, 5> kWordOperators{"contains", "starts_with", "ends_with",
                                                         "matches", "in"};

/// Thrown inside the parser only; parse() turns it into its result.
struct Failure {
  ParseError error;
};

std::string with_suggestion(std::string msg, std::string_view name,
                            std::span<const std::string_view> candidates) {
  const std::string_view best = closest_name(name, candidates);
  if (!best.empty()) msg += " (did you mean '" + std::string(best) + "'?)";
  return msg;
}

/// What a comparison operand is known to be when the file is loaded.
enum class Static : std::uint8_t { unknown, number, text_not_number };

Static static_kind(const Node& n) {
  if (const auto* lit = dynamic_cast<const LiteralNode*>(&n)) {
    const Value& v = lit->value();
    if (v.is_number()) return Static::number;
    if (v.kind == Kind::string && !read_number(v.s)) return Static::text_not_number;
    return Static::unknown;
  }
  if (const auto* f = dynamic_cast<const FieldNode*>(&n)) {
    const Field k = f->field();
    if (k != Field::payload && k != Field::key) return Static::number;
  }
  if (const auto* c = dynamic_cast<const CallNode*>(&n)) {
    for (const FuncInfo& f : all_functions()) {
      if (f.func == c->func() && f.gives_number) return Static::number;
    }
  }
  return Static::unknown;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens, std::vector<ParseError>* warnings = nullptr)
      : t_(std::move(tokens)), warnings_(warnings) {}

  NodePtr run() {
    if (peek().kind == Tok::end) fail(peek(), "empty expression");
    NodePtr root = parse_conditional();
    if (peek().kind != Tok::end) {
      if (peek().kind == Tok::rparen) fail(peek(), "unmatched ')'");
      if (peek().kind == Tok::rbracket) fail(peek(), "unmatched ']'");
      if (peek().kind == Tok::colon) fail(peek(), "':' without a '?' (write c ? a : b)");
      // Python's and SQL's `and` / `or` are && / || here.
      if (peek().kind == Tok::ident && (peek().text == "and" || peek().text == "or")) {
        fail(peek(), "unexpected '" + std::string(peek().text) + "' after an expression (write '" +
                         (peek().text == "and" ? "&&" : "||") + "')");
      }
      // A misspelt word operator (contians) is the likeliest reading of a
      // name right after an expression.
      const std::string_view op =
          peek().kind == Tok::ident ? closest_name(peek().text, kWordOperators) : "";
      fail(peek(), "unexpected " + describe(peek()) + " after an expression" +
                       (op.empty() ? std::string(" (missing operator?)")
                                   : " (did you mean '" + std::string(op) + "'?)"));
    }
    return root;
  }

 private:
  [[noreturn]] static void fail(const Token& at, std::string msg) {
    throw Failure{ParseError{at.column, std::move(msg)}};
  }

  [[nodiscard]] const Token& peek(std::size_t ahead = 0) const noexcept {
    return t_[std::min(pos_ + ahead, t_.size() - 1)];
  }
  const Token& advance() noexcept {
    const Token& t = peek();
    if (pos_ + 1 < t_.size()) ++pos_;
    return t;
  }
  [[nodiscard]] bool is_word(std::string_view w, std::size_t ahead = 0) const noexcept {
    const Token& t = peek(ahead);
    return t.kind == Tok::ident && t.text == w;
  }
  void expect_close(Tok close, char close_char, const Token& open) {
    if (peek().kind == close) {
      advance();
      return;
    }
    fail(peek(), std::string("expected '") + close_char + "' to close '" + std::string(open.text) +
                     "' at column " + std::to_string(open.column) + ", found " + describe(peek()));
  }

  // RAII guard bounding recursion depth.
  class Nest {
   public:
    Nest(Parser& p, const Token& at) : p_(p) {
      if (++p_.nesting_ > kMaxNesting) fail(at, "expression nested too deeply");
    }
    ~Nest() { --p_.nesting_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;

   private:
    Parser& p_;
  };

  /// `c ? a : b`: the loosest of all, and right-associative (`a ? b : c ? d : e`); the same
  /// node as if(c, a, b), so only the chosen branch is evaluated.
  NodePtr parse_conditional() {
    NodePtr cond = parse_or();
    if (peek().kind != Tok::question) return cond;
    const Token& q = advance();
    const Nest nest(*this, q);
    NodePtr then = parse_conditional();
    if (peek().kind != Tok::colon) {
      fail(peek(), "expected ':' of the '?' at column " + std::to_string(q.column) + ", found " +
                       describe(peek()));
    }
    advance();
    std::vector<NodePtr> args;
    args.push_back(std::move(cond));
    args.push_back(std::move(then));
    args.push_back(parse_conditional());
    return std::make_unique<CallNode>(Func::if_, std::move(args));
  }

  NodePtr parse_or() {
    NodePtr lhs = parse_and();
    while (peek().kind == Tok::oror) {
      advance();
      lhs = std::make_unique<LogicNode>(false, std::move(lhs), parse_and());
    }
    return lhs;
  }

  NodePtr parse_and() {
    NodePtr lhs = parse_not();
    while (peek().kind == Tok::andand) {
      advance();
      lhs = std::make_unique<LogicNode>(true, std::move(lhs), parse_not());
    }
    return lhs;
  }

  NodePtr parse_not() {
    if (peek().kind == Tok::bang) {
      const Nest nest(*this, advance());
      return std::make_unique<NotNode>(parse_not());
    }
    return parse_comparison();
  }

  std::optional<BinOp> comparison_op() const noexcept {
    switch (peek().kind) {
      case Tok::eq:
        return BinOp::eq;
      case Tok::ne:
        return BinOp::ne;
      case Tok::lt:
        return BinOp::lt;
      case Tok::le:
        return BinOp::le;
      case Tok::gt:
        return BinOp::gt;
      case Tok::ge:
        return BinOp::ge;
      default:
        break;
    }
    if (is_word("contains")) return BinOp::contains;
    if (is_word("starts_with")) return BinOp::starts_with;
    if (is_word("ends_with")) return BinOp::ends_with;
    if (is_word("in")) return BinOp::in;
    return std::nullopt;
  }

  /// An operand the lint can quote: its text and the column it starts at.
  struct Operand {
    std::string_view text;  ///< empty: not linted
    std::size_t column{0};
  };

  /// The operand `n` that began at token `first` and ended just before the current token:
  /// one token, or a call (`len(key)`, whose result type the function says).
  Operand operand(const Node& n, const Token& first) const {
    const Token& last = *(&peek() - 1);
    if (&last == &first) return Operand{first.text, first.column};
    if (dynamic_cast<const CallNode*>(&n) == nullptr) return Operand{};
    const char* end = last.text.data() + last.text.size();
    return Operand{
        std::string_view(first.text.data(), static_cast<std::size_t>(end - first.text.data())),
        first.column};
  }

  /// A number against a string literal that cannot read as one: the comparison is
  /// constant (docs/expressions.md's comparison table), most likely a typo or a misread field.
  void lint_comparison(BinOp op, const Node& lhs, const Operand& l, const Node& rhs,
                       const Operand& r) {
    if (warnings_ == nullptr || l.text.empty() || r.text.empty()) return;
    const Static a = static_kind(lhs);
    const Static b = static_kind(rhs);
    const bool mixed = (a == Static::number && b == Static::text_not_number) ||
                       (a == Static::text_not_number && b == Static::number);
    if (!mixed) return;
    const Operand& text = a == Static::text_not_number ? l : r;
    const Operand& number = a == Static::number ? l : r;
    const char* always = op == BinOp::ne ? "always true" : "always false";
    warnings_->push_back(ParseError{
        text.column, "comparing the number " + std::string(number.text) + " with " +
                         std::string(text.text) + ", which does not read as a number: '" +
                         std::string(op_text(op)) + "' is " + always});
  }

  static std::string_view op_text(BinOp op) noexcept {
    switch (op) {
      case BinOp::eq:
        return "==";
      case BinOp::ne:
        return "!=";
      case BinOp::lt:
        return "<";
      case BinOp::le:
        return "<=";
      case BinOp::gt:
        return ">";
      case BinOp::ge:
        return ">=";
      default:
        return "";
    }
  }

  NodePtr parse_comparison() {
    const Token& lhs_at = peek();
    NodePtr lhs = parse_additive();
    // Only an operand of one token or a call is linted, so that the warning can quote it.
    Operand lhs_operand = operand(*lhs, lhs_at);
    while (true) {
      if (is_word("matches")) {
        advance();
        lhs = parse_matches(std::move(lhs));
        lhs_operand = Operand{};
        continue;
      }
      const auto op = comparison_op();
      if (!op) return lhs;
      advance();
      const Token& rhs_at = peek();
      NodePtr rhs = parse_additive();
      if (!op_text(*op).empty()) {
        lint_comparison(*op, *lhs, lhs_operand, *rhs, operand(*rhs, rhs_at));
      }
      lhs_operand = Operand{};  // lhs becomes the comparison
      if (*op == BinOp::in) {
        if (const auto* list = dynamic_cast<const ListNode*>(rhs.get())) {
          static_cast<void>(rhs.release());
          lhs = std::make_unique<InListNode>(std::move(lhs), std::unique_ptr<const ListNode>(list));
          continue;
        }
      }
      lhs = std::make_unique<BinaryNode>(*op, std::move(lhs), std::move(rhs));
    }
  }

  NodePtr parse_matches(NodePtr lhs) {
    const Token& at = peek();
    NodePtr rhs = parse_additive();
    const auto* lit = dynamic_cast<const LiteralNode*>(rhs.get());
    if (lit == nullptr || lit->value().kind != Kind::string) {
      return std::make_unique<MatchNode>(std::move(lhs), std::move(rhs));
    }
    std::string error;
    auto re = compile_regex(lit->value().s, error);
    if (!re) fail(at, "invalid regex: " + error);
    return std::make_unique<MatchNode>(std::move(lhs), std::move(re));
  }

  NodePtr parse_additive() {
    NodePtr lhs = parse_multiplicative();
    while (peek().kind == Tok::plus || peek().kind == Tok::minus) {
      const BinOp op = advance().kind == Tok::plus ? BinOp::add : BinOp::sub;
      lhs = std::make_unique<BinaryNode>(op, std::move(lhs), parse_multiplicative());
    }
    return lhs;
  }

  NodePtr parse_multiplicative() {
    NodePtr lhs = parse_unary();
    while (true) {
      BinOp op{};
      switch (peek().kind) {
        case Tok::star:
          op = BinOp::mul;
          break;
        case Tok::slash:
          op = BinOp::div;
          break;
        case Tok::percent:
          op = BinOp::mod;
          break;
        default:
          return lhs;
      }
      advance();
      lhs = std::make_unique<BinaryNode>(op, std::move(lhs), parse_unary());
    }
  }

  NodePtr parse_unary() {
    if (peek().kind == Tok::minus) {
      const Nest nest(*this, advance());
      NodePtr operand = parse_unary();
      // Fold `-3` into a literal so that constants stay constants.
      if (const auto* lit = dynamic_cast<const LiteralNode*>(operand.get())) {
        const Value v = lit->value();
        if (v.is_number()) return std::make_unique<LiteralNode>(negate(v));
      }
      return std::make_unique<NegNode>(std::move(operand));
    }
    if (peek().kind == Tok::bang) {
      const Nest nest(*this, advance());
      return std::make_unique<NotNode>(parse_unary());
    }
    return parse_postfix();
  }

  /// `base[expr]` and `base.name` (a member of a JSON object value, e.g. after `[expr]`).
  NodePtr parse_postfix() {
    NodePtr base = parse_primary();
    while (true) {
      if (auto key = dotted_key()) {
        base = std::make_unique<IndexNode>(std::move(base),
                                           std::make_unique<LiteralNode>(std::move(*key)));
        continue;
      }
      if (peek().kind != Tok::lbracket) return base;
      const Token& open = advance();
      const Nest nest(*this, open);
      NodePtr index = parse_conditional();
      expect_close(Tok::rbracket, ']', open);
      if (const auto* list = dynamic_cast<const ListNode*>(base.get())) {
        static_cast<void>(base.release());
        base = std::make_unique<ListIndexNode>(std::unique_ptr<const ListNode>(list),
                                               std::move(index));
        continue;
      }
      base = std::make_unique<IndexNode>(std::move(base), std::move(index));
    }
  }

  NodePtr parse_primary() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::integer:
        advance();
        return std::make_unique<LiteralNode>(Value::integer(t.int_value));
      case Tok::floating:
        advance();
        return std::make_unique<LiteralNode>(Value::floating(t.float_value));
      case Tok::string:
        advance();
        return std::make_unique<LiteralNode>(t.str_value);
      case Tok::lparen: {
        advance();
        const Nest nest(*this, t);
        NodePtr inner = parse_conditional();
        expect_close(Tok::rparen, ')', t);
        return inner;
      }
      case Tok::lbracket:
        return parse_list();
      case Tok::dot:
        return parse_path();
      case Tok::ident:
        return parse_name();
      case Tok::end:
        fail(t, "expected an expression, found end of input");
      default:
        fail(t, "expected an expression, found " + describe(t));
    }
  }

  NodePtr parse_list() {
    const Token& open = advance();
    const Nest nest(*this, open);
    std::vector<NodePtr> items;
    if (peek().kind != Tok::rbracket) {
      items.push_back(parse_conditional());
      while (peek().kind == Tok::comma) {
        advance();
        items.push_back(parse_conditional());
      }
    }
    expect_close(Tok::rbracket, ']', open);
    return std::make_unique<ListNode>(std::move(items));
  }

  /// True when the token `ahead` starts right after the previous one (no space between).
  [[nodiscard]] bool adjacent(std::size_t ahead) const noexcept {
    const Token& prev = peek(ahead - 1);
    return peek(ahead).column == prev.column + prev.text.size();
  }

  /// A key after `.`: `name` or `"quoted name"`, written right after the dot.
  std::optional<std::string> dotted_key() {
    if (peek().kind != Tok::dot || !adjacent(1)) return std::nullopt;
    const Token& k = peek(1);
    if (k.kind != Tok::ident && k.kind != Tok::string) return std::nullopt;
    advance();
    advance();
    return k.kind == Tok::ident ? std::string(k.text) : k.str_value;
  }

  /// A constant step in brackets: `[3]`, `[-1]` or `["name"]`.
  std::optional<PathStep> bracket_step() {
    if (peek().kind != Tok::lbracket) return std::nullopt;
    PathStep step;
    std::size_t n = 1;
    bool negative = false;
    if (peek(n).kind == Tok::minus) {
      negative = true;
      ++n;
    }
    const Token& k = peek(n);
    if (k.kind == Tok::integer) {
      step.is_index = true;
      step.index = negative ? -k.int_value : k.int_value;
    } else if (k.kind == Tok::string && !negative) {
      step.key = k.str_value;
    } else {
      return std::nullopt;
    }
    if (peek(n + 1).kind != Tok::rbracket) return std::nullopt;
    for (std::size_t k2 = 0; k2 < n + 2; ++k2) advance();
    return step;
  }

  NodePtr parse_path() {
    std::vector<PathStep> steps;
    if (auto key = dotted_key()) {
      steps.push_back(PathStep{std::move(*key), 0, false});
    } else {
      advance();  // a lone `.`: the whole document
    }
    while (true) {
      const Token& at = peek();
      if (auto key = dotted_key()) {
        steps.push_back(PathStep{std::move(*key), 0, false});
      } else if (auto step = bracket_step()) {
        steps.push_back(std::move(*step));
      } else {
        break;  // a computed index `[expr]` is left to parse_postfix
      }
      if (steps.size() > kMaxPathSteps) {
        fail(at, "JSON path too long (more than " + std::to_string(kMaxPathSteps) + " steps)");
      }
    }
    return std::make_unique<PathNode>(std::move(steps));
  }

  NodePtr parse_name() {
    const Token& t = advance();
    if (peek().kind == Tok::lparen) return parse_call(t);
    if (t.text == "true") return std::make_unique<LiteralNode>(Value::boolean(true));
    if (t.text == "false") return std::make_unique<LiteralNode>(Value::boolean(false));
    if (t.text == "null") return std::make_unique<LiteralNode>(Value::null());
    for (const FieldName& f : kFields) {
      if (f.name == t.text) return std::make_unique<FieldNode>(f.field);
    }
    if (t.text == "attrs") return parse_attr(t);
    if (std::find(kWordOperators.begin(), kWordOperators.end(), t.text) != kWordOperators.end()) {
      fail(t, "expected an expression, found operator " + describe(t));
    }
    if (find_function(t.text) != nullptr) {
      fail(t, "function '" + std::string(t.text) + "' must be called: " + std::string(t.text) +
                  "(...)");
    }
    if (t.text == "not") fail(t, "'not' is written '!' here: !(...)");
    fail(t, with_suggestion("unknown field '" + std::string(t.text) + "'", t.text, kNames));
  }

  NodePtr parse_attr(const Token& attrs) {
    if (auto key = dotted_key()) return std::make_unique<AttrNode>(std::move(*key));
    if (peek().kind == Tok::lbracket && peek(1).kind == Tok::string &&
        peek(2).kind == Tok::rbracket) {
      advance();
      std::string name = advance().str_value;
      advance();
      return std::make_unique<AttrNode>(std::move(name));
    }
    fail(attrs, "expected an attribute name after 'attrs', as in attrs.NAME or attrs[\"NAME\"]");
  }

  NodePtr parse_call(const Token& name) {
    const FuncInfo* f = find_function(name.text);
    if (f == nullptr) fail(name, unknown_function(name.text));
    const Token& open = advance();
    const Nest nest(*this, open);
    std::vector<NodePtr> args;
    std::vector<const Token*> starts;  // where each argument begins, for errors
    if (peek().kind != Tok::rparen) {
      starts.push_back(&peek());
      args.push_back(parse_conditional());
      while (peek().kind == Tok::comma) {
        advance();
        starts.push_back(&peek());
        args.push_back(parse_conditional());
      }
    }
    expect_close(Tok::rparen, ')', open);
    if (auto msg = arity_error(*f, args.size())) fail(name, std::move(*msg));
    auto node = build_call(*f, std::move(args));
    if (!node) fail(*starts[node.error().arg], std::move(node.error().message));
    return std::move(*node);
  }

  std::vector<Token> t_;
  std::size_t pos_{0};
  int nesting_{0};
  std::vector<ParseError>* warnings_;
};

}  // namespace

Result<NodePtr, ParseError> parse(std::string_view source, std::size_t column_offset) {
  auto tokens = tokenize(source, column_offset);
  if (!tokens) return unexpected(std::move(tokens.error()));
  if (tokens->size() > kMaxTokens) {
    return unexpected(ParseError{column_offset + 1, "expression too long (more than " +
                                                        std::to_string(kMaxTokens) + " tokens)"});
  }
  try {
    return Parser(std::move(*tokens)).run();
  } catch (Failure& f) {
    return unexpected(std::move(f.error));
  }
}

std::vector<ParseError> lint(std::string_view source) {
  std::vector<ParseError> warnings;
  auto tokens = tokenize(source, 0);
  if (!tokens || tokens->size() > kMaxTokens) return {};
  try {
    static_cast<void>(Parser(std::move(*tokens), &warnings).run());
  } catch (Failure&) {
    return {};
  }
  return warnings;
}

}  // namespace sluice::expr::detail
