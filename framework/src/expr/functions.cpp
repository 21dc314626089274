#include "expr/functions.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "expr/json_text.hpp"
#include "expr/node.hpp"
#include "expr/time_functions.hpp"
#include "expr/utf8.hpp"

namespace sluice::expr::detail {
namespace {

constexpr std::array<FuncInfo, 18> kFunctions{{
    {"lower", Func::lower, 1, 1},
    {"upper", Func::upper, 1, 1},
    {"trim", Func::trim, 1, 1},
    {"len", Func::len, 1, 1, true},
    {"split", Func::split, 2, 2},
    {"substr", Func::substr, 3, 3},
    {"int", Func::to_int, 1, 1, true},
    {"float", Func::to_float, 1, 1, true},
    {"str", Func::to_str, 1, 1},
    {"hash", Func::hash, 1, 1, true},
    {"coalesce", Func::coalesce, 1, -1},
    {"if", Func::if_, 3, 3},
    {"now", Func::now, 0, 0, true},
    {"format_time", Func::format_time, 1, 2},
    {"parse_time", Func::parse_time, 1, 2, true},
    {"capture", Func::capture, 2, 3},
    {"json", Func::json, 1, 1},
    {"env", Func::env, 1, 1},
}};

/// The textual form of `v`, copied into the arena only when it lives in a local buffer.
std::string_view stable_text(const Value& v, EvalContext& ctx) {
  if (v.kind == Kind::string || v.kind == Kind::json) return v.s;
  TextBuf buf;
  const std::string_view t = text_of(v, buf);
  if (t.empty()) return {};
  return ctx.keep(std::string(t));
}

Value change_case(const Value& v, bool upper, EvalContext& ctx) {
  if (v.is_null()) return v;
  const std::string_view t = stable_text(v, ctx);
  auto changed = utf8::change_case(t, upper);
  if (!changed) return Value::string(t);
  return Value::string(ctx.keep(std::move(*changed)));
}

Value trim(const Value& v, EvalContext& ctx) {
  if (v.is_null()) return v;
  const std::string_view t = stable_text(v, ctx);
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const auto b = t.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return Value::string({});
  const auto e = t.find_last_not_of(kSpace);
  return Value::string(t.substr(b, e - b + 1));
}

Value length(const Value& v, EvalContext& ctx) {
  switch (v.kind) {
    case Kind::null:
      return Value::integer(0);
    case Kind::list:
      return Value::integer(static_cast<std::int64_t>(v.list.size()));
    case Kind::json:
      return Value::integer(static_cast<std::int64_t>(ctx.json().size(v.s)));
    default: {
      TextBuf buf;  // characters, not bytes: len("ünï") is 3
      return Value::integer(static_cast<std::int64_t>(utf8::count(text_of(v, buf))));
    }
  }
}

Value split(const Value& s, const Value& sep, EvalContext& ctx) {
  if (s.is_null()) return s;
  const std::string_view text = stable_text(s, ctx);
  TextBuf sbuf;
  const std::string_view delim = text_of(sep, sbuf);
  std::vector<Value> parts;
  if (delim.empty()) {
    parts.push_back(Value::string(text));
  } else {
    std::size_t start = 0;
    while (true) {
      const std::size_t at = text.find(delim, start);
      if (at == std::string_view::npos) {
        parts.push_back(Value::string(text.substr(start)));
        break;
      }
      parts.push_back(Value::string(text.substr(start, at - start)));
      start = at + delim.size();
    }
  }
  return Value::make_list(ctx.keep(std::move(parts)));
}

Value substr(const Value& s, const Value& start_v, const Value& count_v, EvalContext& ctx) {
  if (s.is_null()) return s;
  const auto start_opt = to_int(start_v);
  const auto count_opt = to_int(count_v);
  if (!start_opt || !count_opt) return Value::null();
  const std::string_view text = stable_text(s, ctx);
  // Indexes count characters: substr("ünï", 1, 1) is "n".
  const auto n = static_cast<std::int64_t>(utf8::count(text));
  std::int64_t start = *start_opt;
  if (start < 0) start = std::max<std::int64_t>(0, n + start);
  if (start >= n || *count_opt <= 0) return Value::string({});
  const std::int64_t count = std::min(*count_opt, n - start);
  const std::size_t from = utf8::offset_of(text, static_cast<std::size_t>(start));
  const std::string_view rest = text.substr(from);
  return Value::string(rest.substr(0, utf8::offset_of(rest, static_cast<std::size_t>(count))));
}

}  // namespace

const FuncInfo* find_function(std::string_view name) noexcept {
  for (const FuncInfo& f : kFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::span<const FuncInfo> all_functions() noexcept { return kFunctions; }

std::int64_t stable_hash(std::string_view text) noexcept {
  std::uint64_t h = 14695981039346656037ULL;  // FNV-1a 64 offset basis
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;  // FNV-1a 64 prime
  }
  return static_cast<std::int64_t>(h & 0x7FFFFFFFFFFFFFFFULL);
}

Value call_function(Func f, std::span<const std::unique_ptr<const Node>> args, EvalContext& ctx) {
  auto arg = [&](std::size_t k) { return args[k]->eval(ctx); };
  switch (f) {
    case Func::lower:
      return change_case(arg(0), false, ctx);
    case Func::upper:
      return change_case(arg(0), true, ctx);
    case Func::trim:
      return trim(arg(0), ctx);
    case Func::len:
      return length(arg(0), ctx);
    case Func::split: {
      const Value s = arg(0);
      return split(s, arg(1), ctx);
    }
    case Func::substr: {
      const Value s = arg(0);
      const Value start = arg(1);
      return substr(s, start, arg(2), ctx);
    }
    case Func::to_int: {
      const auto v = to_int(arg(0));
      return v ? Value::integer(*v) : Value::null();
    }
    case Func::to_float: {
      const auto v = to_float(arg(0));
      return v ? Value::floating(*v) : Value::null();
    }
    case Func::to_str:
      return Value::string(stable_text(arg(0), ctx));  // null -> ""
    case Func::hash: {
      TextBuf buf;
      return Value::integer(stable_hash(text_of(arg(0), buf)));
    }
    case Func::coalesce:
      for (const auto& a : args) {
        const Value v = a->eval(ctx);
        if (!v.is_null()) return v;
      }
      return Value::null();
    case Func::if_:
      return truthy(arg(0)) ? arg(1) : arg(2);
    case Func::now:
      return Value::floating(ctx.now_seconds());
    case Func::format_time: {
      const Value t = arg(0);
      if (args.size() == 1) return format_time(t, nullptr, ctx);
      const Value fmt = arg(1);
      return format_time(t, &fmt, ctx);
    }
    case Func::parse_time: {
      const Value s = arg(0);
      if (args.size() == 1) return parse_time(s, nullptr);
      const Value fmt = arg(1);
      return parse_time(s, &fmt);
    }
    case Func::json: {
      std::string out;
      append_json_text(arg(0), out);
      return Value::string(ctx.keep(std::move(out)));
    }
    case Func::capture:  // CaptureNode
    case Func::env:      // a literal by now
      break;
  }
  return Value::null();
}

}  // namespace sluice::expr::detail
