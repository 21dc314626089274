#include "expr/capture.hpp"

#include <re2/re2.h>

#include <array>
#include <string_view>
#include <utility>

#include "expr/regex.hpp"

namespace sluice::expr::detail {
namespace {

/// Groups a regex may have for capture(): RE2's submatches are kept on the stack.
constexpr int kMaxGroups = 31;

const LiteralNode* literal(const NodePtr& n) { return dynamic_cast<const LiteralNode*>(n.get()); }

}  // namespace

Result<NodePtr, CaptureError> CaptureNode::make(std::vector<NodePtr> args) {
  std::unique_ptr<CaptureNode> node(new CaptureNode());
  const LiteralNode* pattern = literal(args[1]);
  if (pattern != nullptr && pattern->value().kind == Kind::string) {
    std::string error;
    node->regex_ = compile_regex(pattern->value().s, error);
    if (!node->regex_) return unexpected(CaptureError{1, "invalid regex: " + error});
    if (node->regex_->NumberOfCapturingGroups() > kMaxGroups) {
      return unexpected(CaptureError{
          1, "capture() takes a regex of at most " + std::to_string(kMaxGroups) + " groups"});
    }
  }
  if (args.size() == 3) {
    if (const LiteralNode* g = literal(args[2])) {
      const Value& v = g->value();
      if (v.kind != Kind::integer || v.i < 0) {
        return unexpected(CaptureError{2, "the group of capture() is a number >= 0"});
      }
      if (!node->regex_ && v.i > kMaxGroups) {
        return unexpected(CaptureError{2, "capture() reads groups 0 to " +
                                              std::to_string(kMaxGroups) + ", not " +
                                              std::to_string(v.i)});
      }
      const int groups = node->regex_ ? node->regex_->NumberOfCapturingGroups() : kMaxGroups;
      if (v.i > groups) {
        return unexpected(CaptureError{2, "the regex has " + std::to_string(groups) +
                                              (groups == 1 ? " group" : " groups") +
                                              ", so there is no group " + std::to_string(v.i)});
      }
    }
    node->group_ = std::move(args[2]);
  } else if (node->regex_ && node->regex_->NumberOfCapturingGroups() == 0) {
    return unexpected(
        CaptureError{1,
                     "the regex has no group (write one in parentheses, or pass 0 for the "
                     "whole match)"});
  }
  node->subject_ = std::move(args[0]);
  if (!node->regex_) node->pattern_ = std::move(args[1]);
  return NodePtr(std::move(node));
}

Value CaptureNode::eval(EvalContext& ctx) const {
  const Value v = subject_->eval(ctx);
  if (v.is_null()) return v;
  std::string_view text;
  TextBuf buf;
  if (v.kind == Kind::string || v.kind == Kind::json) {
    text = v.s;
  } else {
    text = ctx.keep(std::string(text_of(v, buf)));  // the result views it
  }
  if (text.data() == nullptr) text = "";  // an empty group's view must not be null
  std::int64_t group = 1;
  if (group_) {
    const Value g = group_->eval(ctx);
    if (g.kind != Kind::integer || g.i < 0 || g.i > kMaxGroups) return Value::null();
    group = g.i;
  }
  std::shared_ptr<const re2::RE2> computed;
  const re2::RE2* re = regex_.get();
  if (re == nullptr) {
    const Value p = pattern_->eval(ctx);
    if (p.is_null()) return Value::null();
    TextBuf pbuf;
    const std::string_view pattern = text_of(p, pbuf);
    std::string error;
    computed = compile_regex(pattern, error);
    if (!computed) {
      report_bad_regex(bad_pattern_logged_, pattern, error, ctx.message().seq, "`capture` is null");
      return Value::null();
    }
    re = computed.get();
  }
  if (group > re->NumberOfCapturingGroups()) return Value::null();
  std::array<re2::StringPiece, kMaxGroups + 1> groups;
  const auto n = static_cast<int>(group) + 1;
  if (!re->Match({text.data(), text.size()}, 0, text.size(), re2::RE2::UNANCHORED, groups.data(),
                 n)) {
    return Value::null();
  }
  const re2::StringPiece& g = groups[static_cast<std::size_t>(group)];
  if (g.data() == nullptr) return Value::null();  // the group took no part in the match
  return Value::string(std::string_view(g.data(), g.size()));
}

}  // namespace sluice::expr::detail
