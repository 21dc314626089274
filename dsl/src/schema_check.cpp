#include "schema_check.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <tuple>

#include "nesting_scan.hpp"
#include "sluice/dsl/did_you_mean.hpp"
#include "sluice/dsl/duration.hpp"
#include "sluice/expression.hpp"

namespace sluice::dsl::detail {
namespace {

std::string_view wanted(OptionType t) {
  switch (t) {
    case OptionType::string:
      return "a string";
    case OptionType::integer:
      return "an integer";
    case OptionType::floating:
      return "a number";
    case OptionType::boolean:
      return "a boolean (true or false)";
    case OptionType::duration:
      return "a duration string";
    case OptionType::list:
      return "an array";
    case OptionType::table:
      return "a table";
    case OptionType::expression:
      return "an expression string";
    case OptionType::template_:
      return "a template string";
  }
  return "a value";
}

}  // namespace

OptionValue to_value(const toml::node& n, const std::string& file) {
  if (auto s = n.as_string()) return OptionValue::of(s->get());
  if (auto i = n.as_integer()) return OptionValue::of(i->get());
  if (auto f = n.as_floating_point()) return OptionValue::of(f->get());
  if (auto b = n.as_boolean()) return OptionValue::of(b->get());
  OptionValue v;
  if (auto a = n.as_array()) {
    v.kind = OptionValue::Kind::list;
    for (const auto& e : *a) v.list.push_back(to_value(e, file));
    return v;
  }
  if (auto t = n.as_table()) {
    v.kind = OptionValue::Kind::table;
    struct Entry {
      const toml::key* key;
      const toml::node* value;
      bool elsewhere;  // not from the file (--set): after the file's entries
      std::size_t line, column;
    };
    std::vector<Entry> entries;
    for (const auto& [k, e] : *t) {
      const toml::source_region& src = k.source().begin.line != 0 ? k.source() : e.source();
      const bool elsewhere = src.begin.line == 0 || (src.path && *src.path != file);
      entries.push_back({&k, &e, elsewhere, src.begin.line, src.begin.column});
    }
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return std::tuple(a.elsewhere, a.line, a.column) < std::tuple(b.elsewhere, b.line, b.column);
    });
    for (const auto& e : entries) {
      v.table.emplace_back(std::string(e.key->str()), to_value(*e.value, file));
    }
    return v;
  }
  std::ostringstream os;
  n.visit([&](const auto& x) { os << x; });
  return OptionValue::of(os.str());
}

std::optional<OptionValue> check_value(LoadContext& ctx, const OptionSpec& spec,
                                       const toml::node& n, const std::string& where) {
  const std::string name = quote(spec.name);
  // "4" for 4, "true" for true: the value is right, the quotes are not.
  const auto unquoted = [&]() -> std::string {
    const auto s = n.as_string();
    if (!s) return {};
    const std::string& v = s->get();
    bool fits = false;
    if (spec.type == OptionType::boolean) {
      fits = v == "true" || v == "false";
    } else if ((spec.type == OptionType::integer || spec.type == OptionType::floating) &&
               !too_deep("v = " + v)) {  // "{a.a.a...}" in a string would overflow toml++
      try {
        const toml::table t = toml::parse("v = " + v);
        fits = spec.type == OptionType::integer ? t["v"].is_integer() : t["v"].is_number();
      } catch (const toml::parse_error&) {
      }
    }
    return fits ? "remove the quotes: " + std::string(spec.name) + " = " + v : std::string{};
  };
  auto mismatch = [&](std::string hint = {}) {
    if (hint.empty()) hint = unquoted();
    ctx.error("type-mismatch", ctx.span_of(n),
              name + where + " must be " + std::string(wanted(spec.type)) + ", not " +
                  std::string(type_name(n)),
              std::move(hint));
    return std::nullopt;
  };
  auto range = [&](double x, std::string_view unit_hint) -> bool {
    auto show = [&](double v) {
      return spec.type == OptionType::duration ? format_duration(static_cast<Nanos>(v * 1e9))
                                               : number(v);
    };
    const std::optional<double> max = max_of(spec);
    if (!std::isfinite(x)) {  // nan and inf are TOML floats; no option means them
      ctx.error("out-of-range", ctx.span_of(n),
                name + where + " must be a finite number, got " + std::string(unit_hint),
                "to leave a limit out, leave the option out");
      return false;
    }
    if ((spec.min && x < *spec.min) || (max && x > *max)) {
      // Too small: the bound it missed; too large: the whole range.
      std::string bound;
      if (spec.min && x < *spec.min) {
        bound = "at least " + show(*spec.min);
      } else if (spec.min) {
        bound = "between " + show(*spec.min) + " and " + show(*max);
      } else {
        bound = "at most " + show(*max);
      }
      ctx.error("out-of-range", ctx.span_of(n),
                name + where + " must be " + bound + ", got " + std::string(unit_hint));
      return false;
    }
    return true;
  };
  switch (spec.type) {
    case OptionType::string: {
      auto s = n.as_string();
      if (!s && (n.is_number() || n.is_boolean())) {
        // `--set stages.out.path=123` reads 123 as a number: say how to make it text.
        std::ostringstream text;
        n.visit([&](const auto& x) { text << x; });
        const std::string origin = ctx.span_of(n).file;  // "--set KEY=VALUE" for an override
        if (origin.rfind("--set ", 0) == 0) {
          const std::string key = origin.substr(6, origin.find('=') - 6);
          return mismatch("quote it: --set '" + key + "=\"" + text.str() + "\"'");
        }
        return mismatch("quote it: " + std::string(spec.name) + " = \"" + text.str() + "\"");
      }
      if (!s) return mismatch();
      if (!spec.choices.empty() &&
          std::find(spec.choices.begin(), spec.choices.end(), s->get()) == spec.choices.end()) {
        std::vector<std::string> quoted;
        for (const auto& c : spec.choices) quoted.push_back("\"" + c + "\"");
        auto hint = suggest(s->get(), spec.choices);
        ctx.error(
            "bad-choice", ctx.span_of(n),
            name + where + " must be one of " + join(quoted, " | ") + ", not \"" + s->get() + "\"",
            hint);
        return std::nullopt;
      }
      return OptionValue::of(s->get());
    }
    case OptionType::integer: {
      auto i = n.as_integer();
      if (!i) {
        return mismatch(n.is_floating_point() ? "write a whole number, without a decimal point"
                                              : "");
      }
      if (!range(static_cast<double>(i->get()), std::to_string(i->get()))) return std::nullopt;
      return OptionValue::of(i->get());
    }
    case OptionType::floating: {
      double x = 0;
      if (auto f = n.as_floating_point()) {
        x = f->get();
      } else if (auto i = n.as_integer()) {
        x = static_cast<double>(i->get());
      } else {
        return mismatch();
      }
      if (!range(x, number(x))) return std::nullopt;
      return OptionValue::of(x);
    }
    case OptionType::boolean: {
      auto b = n.as_boolean();
      if (!b) return mismatch();
      return OptionValue::of(b->get());
    }
    case OptionType::duration: {
      auto s = n.as_string();
      if (!s) {
        return mismatch("durations are strings with a unit (" + std::string(kDurationUnits) +
                        "), e.g. \"250ms\" or \"1.5s\"");
      }
      auto d = parse_duration(s->get());
      if (!d) {
        // 'invalid duration "X" for 'key' in stage 's': why', the why last.
        std::string message = d.error();
        const std::string value = "invalid duration \"" + s->get() + "\"";
        if (message.rfind(value, 0) == 0) {
          message.insert(value.size(), " for " + name + where);
        } else {
          message += " for " + name + where;
        }
        ctx.error("bad-duration", ctx.span_of(n), message,
                  "use a number and one of the units " + std::string(kDurationUnits) +
                      ", e.g. \"250ms\" or \"1.5s\"");
        return std::nullopt;
      }
      if (!range(to_seconds(*d), s->get())) return std::nullopt;
      return OptionValue::duration(*d);
    }
    case OptionType::list: {
      if (!n.is_array()) return mismatch();
      return to_value(n, ctx.path);
    }
    case OptionType::table: {
      if (!n.is_table()) return mismatch();
      return to_value(n, ctx.path);
    }
    case OptionType::expression:
    case OptionType::template_: {
      auto s = n.as_string();
      if (!s) return mismatch();
      const bool is_expr = spec.type == OptionType::expression;
      const std::optional<SyntaxProblem> problem =
          is_expr ? Expression::check(s->get()) : Template::check(s->get());
      if (problem) {
        ctx.error("bad-expression", ctx.inside_string(n, problem->column),
                  std::string(is_expr ? "in expression " : "in template ") + name + where + ": " +
                      problem->message);
        return std::nullopt;
      }
      if (is_expr) {
        for (const SyntaxProblem& w : Expression::warnings(s->get())) {
          ctx.warning("constant-comparison", ctx.inside_string(n, w.column),
                      "in expression " + name + where + ": " + w.message,
                      "only a string that reads as a number (\"10\", \"2.5\") compares "
                      "with a number");
        }
      }
      return OptionValue::of(s->get());
    }
  }
  return std::nullopt;
}

Checked check_table(LoadContext& ctx, const toml::table& t, const Schema& schema,
                    const std::string& where, const std::vector<std::string>& also_allowed,
                    const Span& table_span) {
  Checked out;
  std::vector<std::string> known = also_allowed;
  for (const auto& o : schema.options) known.push_back(o.name);
  std::set<std::string> suggested;  // a misspelt required key is not also "missing"
  for (const auto& [k, v] : t) {
    const std::string key(k.str());
    if (std::find(also_allowed.begin(), also_allowed.end(), key) != also_allowed.end()) continue;
    const OptionSpec* spec = schema.find(key);
    if (!spec) {
      if (auto s = did_you_mean(key, known)) suggested.insert(*s);
      auto hint = suggest(key, known);
      if (hint.empty() && !known.empty()) hint = "known keys: " + join(known);
      ctx.error("unknown-key", ctx.span_of(k, v), "unknown key " + quote(key) + where, hint);
      continue;
    }
    out.spans[key] = ctx.span_of(v);
    out.key_spans[key] = ctx.span_of(k, v);
    if (auto value = check_value(ctx, *spec, v, where))
      out.values.emplace_back(key, std::move(*value));
  }
  for (const auto& o : schema.options) {
    if (t.contains(o.name)) continue;
    if (o.required && suggested.count(o.name) != 0) continue;
    if (o.required) {
      ctx.error("missing-key", table_span, "missing required key " + quote(o.name) + where,
                o.doc.empty() ? "" : quote(o.name) + ": " + o.doc);
    } else if (o.default_value) {
      out.values.emplace_back(o.name, *o.default_value);
    }
  }
  return out;
}

}  // namespace sluice::dsl::detail
