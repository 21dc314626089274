#include "expr/calls.hpp"

#include <cstdlib>
#include <utility>

#include "expr/capture.hpp"
#include "expr/parser.hpp"

namespace sluice::expr::detail {
namespace {

std::string plural_args(int n) { return n == 1 ? " argument" : " arguments"; }

/// env("NAME"): the variable as the file is loaded, null when it is not set.
Result<NodePtr, ArgumentError> env_variable(const Node& arg) {
  const auto* lit = dynamic_cast<const LiteralNode*>(&arg);
  if (lit == nullptr || lit->value().kind != Kind::string) {
    return unexpected(ArgumentError{0,
                                    "env() takes the variable's name as a string literal, "
                                    "env(\"NAME\"): it is read when the file is loaded"});
  }
  const char* v = std::getenv(std::string(lit->value().s).c_str());
  if (v == nullptr) return NodePtr(std::make_unique<LiteralNode>(Value::null()));
  return NodePtr(std::make_unique<LiteralNode>(std::string(v)));
}

}  // namespace

std::string unknown_function(std::string_view name) {
  std::vector<std::string_view> names;
  for (const FuncInfo& fi : all_functions()) names.push_back(fi.name);
  std::string msg = "unknown function '" + std::string(name) + "'";
  std::string_view best = closest_name(name, names);
  for (const std::string_view n : names) {  // lowercase -> lower, to_upper -> upper
    if (best.empty() && n.size() >= 3 && name.find(n) != std::string_view::npos) best = n;
  }
  if (!best.empty()) return msg + " (did you mean '" + std::string(best) + "'?)";
  msg += "; the functions are:";
  for (std::size_t i = 0; i < names.size(); ++i) {
    msg += (i == 0 ? " " : ", ") + std::string(names[i]);
  }
  return msg;
}

std::optional<std::string> arity_error(const FuncInfo& f, std::size_t got_args) {
  const auto got = static_cast<int>(got_args);
  if (got >= f.min_args && (f.max_args < 0 || got <= f.max_args)) return std::nullopt;
  std::string msg = "function '" + std::string(f.name) + "' takes ";
  if (f.max_args < 0) {
    msg += "at least " + std::to_string(f.min_args) + plural_args(f.min_args);
  } else if (f.max_args == f.min_args) {
    msg += std::to_string(f.min_args) + plural_args(f.min_args);
  } else {
    msg += std::to_string(f.min_args) + " or " + std::to_string(f.max_args) + " arguments";
  }
  return msg + ", got " + std::to_string(got);
}

Result<NodePtr, ArgumentError> build_call(const FuncInfo& f, std::vector<NodePtr> args) {
  if (f.func == Func::env) return env_variable(*args[0]);
  if (f.func == Func::capture) {
    auto node = CaptureNode::make(std::move(args));
    if (!node) return unexpected(ArgumentError{node.error().arg, std::move(node.error().message)});
    return std::move(*node);
  }
  return NodePtr(std::make_unique<CallNode>(f.func, std::move(args)));
}

}  // namespace sluice::expr::detail
