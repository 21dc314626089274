// TOML -> PipelineSpec: parsing, --set overrides, schema validation and input
// resolution. Every check records a Diagnostic and goes on, so that one run
// reports every problem of the file.
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "factory_error.hpp"
#include "position_in_string.hpp"
#include "sluice/bad_option.hpp"
#include "sluice/dsl/did_you_mean.hpp"
#include "sluice/dsl/duration.hpp"
#include "sluice/dsl/loader.hpp"
#include "sluice/dsl/schemas.hpp"
#include "sluice/expression.hpp"
#include "sluice/spellings.hpp"
#include "syntax_error.hpp"

namespace sluice::dsl {
namespace {

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string join(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

std::string number(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date/time";
  }
}

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

/// Any TOML value as an OptionValue, for list / table options. A table's
/// entries keep the file's order (toml++ 3.3 keeps tables in a std::map, i.e.
/// alphabetical): `route` tries its routes in the order they are written.
/// Entries `--set` added come after those of the file, in their own order.
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

struct Checked {
  std::vector<std::pair<std::string, OptionValue>> values;
  std::map<std::string, Span> spans;      ///< value spans of the keys given
  std::map<std::string, Span> key_spans;  ///< key spans of the keys given
  [[nodiscard]] const OptionValue* find(std::string_view name) const {
    for (const auto& [k, v] : values) {
      if (k == name) return &v;
    }
    return nullptr;
  }
};

struct StageWork {
  StageSpec spec;
  const toml::table* table{nullptr};
  const StageType* type{nullptr};  ///< null: unknown type, options unchecked
  /// False when the type could not list its ports for these options: its
  /// consumers are not checked (their errors would only echo the stage's).
  bool ports_known{true};
};

/// A type registered by sluice itself (plugins cannot take a built-in's name).
bool is_builtin(const StageType& type) {
  const StageType* b = builtin_registry().find(type.name, type.role() != Role::source);
  return b != nullptr && b->role() == type.role();
}

class Loader {
 public:
  Loader(std::string path, std::string_view text, const Registry& registry)
      : path_(std::move(path)), text_(text), registry_(registry) {}

  LoadResult run(const std::vector<std::string>& overrides);

 private:
  // --- spans and diagnostics -------------------------------------------------
  Span span_of(const toml::node& n) const {
    const auto& src = n.source();
    if (auto it = origin_.find(&n); it != origin_.end()) return Span{it->second, 0, 0};
    if (src.begin.line == 0) return Span{path_, 0, 0};
    if (src.path && *src.path != path_) return Span{*src.path, 0, 0};  // a --set value
    return Span{path_, src.begin.line, src.begin.column};
  }
  /// The key's position; a value a --set replaced is the override's.
  Span span_of(const toml::key& k, const toml::node& value) const {
    if (k.source().begin.line == 0 || (k.source().path && *k.source().path != path_)) {
      return span_of(value);
    }
    if (Span v = span_of(value); v.line == 0 && v.file != path_) return v;
    return Span{path_, k.source().begin.line, k.source().begin.column};
  }
  /// The file position of (1-based) byte `column` of a string value. Past
  /// the end ("found end of input") means just after its last non-blank
  /// character, not after the line break before the closing quotes.
  Span inside_string(const toml::node& n, std::size_t column) const {
    Span s = span_of(n);
    if (s.line == 0) return s;
    if (const auto* str = n.as_string()) {
      const std::string& v = str->get();
      const std::size_t end = v.find_last_not_of(" \t\r\n");
      const std::size_t used = end == std::string::npos ? 0 : end + 1;
      if (column > used + 1) column = used + 1;
    }
    if (auto at = detail::position_in_string(text_, {s.line, s.column}, column)) {
      s.line = at->line;
      s.column = at->column;
    }
    return s;
  }
  void error(std::string code, Span span, std::string message, std::string hint = {}) {
    diags_.push_back(
        {Severity::error, std::move(code), std::move(span), std::move(message), std::move(hint)});
  }
  void warning(std::string code, Span span, std::string message, std::string hint = {}) {
    diags_.push_back(
        {Severity::warning, std::move(code), std::move(span), std::move(message), std::move(hint)});
  }
  static std::string suggest(std::string_view word, const std::vector<std::string>& candidates) {
    auto s = did_you_mean(word, candidates);
    return s ? "did you mean " + quote(*s) + "?" : std::string{};
  }

  // --- steps -------------------------------------------------------------------
  void apply_override(toml::table& root, const std::string& text);
  void mark_origin(const toml::node& n, const std::string& origin);
  std::optional<OptionValue> check_value(const OptionSpec& spec, const toml::node& n,
                                         const std::string& where);
  Checked check_table(const toml::table& t, const Schema& schema, const std::string& where,
                      const std::vector<std::string>& also_allowed, const Span& table_span);
  void load_pipeline_section(const toml::node& n);
  void load_shared(const toml::table& root, std::string_view section, const Schema& schema,
                   std::string_view what, std::vector<SharedSpec>& out);
  void load_stage(StageWork& w);
  std::optional<PolicyRef> load_policy(const toml::node& n, std::string_view key,
                                       const StageSpec& stage, std::string_view section,
                                       const std::vector<SharedSpec>& declared,
                                       const Schema& schema);
  void check_declared(const std::string& name, const Span& span, std::string_view what,
                      std::string_view section, const std::vector<SharedSpec>& declared);
  void load_inputs(StageWork& w, const toml::node& n);
  void switch_role_if_keys_say_so(StageWork& w, const std::vector<std::string>& common);
  void build_once(StageWork& w, bool clean);
  void factory_error(const StageWork& w, const std::exception& e);
  const toml::node* option_node(const StageWork& w, std::string_view path) const;
  void check_stage(const StageWork& w);
  const std::vector<SharedSpec>* declared_in(std::string_view section) const;
  void resolve_inputs();
  void wire_topics();
  void find_cycles();
  void warn_unconsumed();

  std::string path_;
  std::string text_;
  const Registry& registry_;
  std::vector<Diagnostic> diags_;
  std::map<const toml::node*, std::string> origin_;  ///< nodes made by --set
  std::set<std::string> broken_stages_;  ///< stage names whose entry is not a table (reported)
  PipelineSpec spec_;
  std::vector<StageWork> stages_;
};

void Loader::mark_origin(const toml::node& n, const std::string& origin) {
  if (n.source().begin.line == 0 || !n.source().path || *n.source().path == path_) {
    origin_[&n] = origin;
  }
  if (auto t = n.as_table()) {
    for (const auto& [k, v] : *t) mark_origin(v, origin);
  } else if (auto a = n.as_array()) {
    for (const auto& v : *a) mark_origin(v, origin);
  }
}

void Loader::apply_override(toml::table& root, const std::string& text) {
  const std::string origin = "--set " + text;
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    error("bad-override", Span{origin, 0, 0}, "expected KEY=VALUE",
          "for example --set stages.src.count=10");
    return;
  }
  const std::string key = text.substr(0, eq);
  const std::string value = text.substr(eq + 1);
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    auto dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (std::any_of(parts.begin(), parts.end(), [](const auto& p) { return p.empty(); })) {
    error("bad-override", Span{origin, 0, 0}, "empty part in key " + quote(key));
    return;
  }
  toml::table* t = &root;
  std::string walked;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    walked += (walked.empty() ? "" : ".") + parts[i];
    toml::node* child = t->get(parts[i]);
    if (!child) {
      t->insert(parts[i], toml::table{});
      child = t->get(parts[i]);
      origin_[child] = origin;
    }
    t = child->as_table();
    if (!t) {
      error("bad-override", Span{origin, 0, 0},
            quote(walked) + " is " + std::string(type_name(*child)) + ", not a table");
      return;
    }
  }
  // VALUE is a TOML value when it parses as one, else the text itself.
  bool parsed = false;
  try {
    toml::table holder = toml::parse("v = " + value, origin);
    if (toml::node* v = holder.get("v")) {
      v->visit([&](auto&& x) { t->insert_or_assign(parts.back(), std::move(x)); });
      parsed = true;
    }
  } catch (const toml::parse_error&) {
  }
  if (!parsed) t->insert_or_assign(parts.back(), value);
  mark_origin(*t->get(parts.back()), origin);
}

std::optional<OptionValue> Loader::check_value(const OptionSpec& spec, const toml::node& n,
                                               const std::string& where) {
  const std::string name = quote(spec.name);
  // "4" for 4, "true" for true: the value is right, the quotes are not.
  const auto unquoted = [&]() -> std::string {
    const auto s = n.as_string();
    if (!s) return {};
    const std::string& v = s->get();
    bool fits = false;
    if (spec.type == OptionType::boolean) {
      fits = v == "true" || v == "false";
    } else if (spec.type == OptionType::integer || spec.type == OptionType::floating) {
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
    error("type-mismatch", span_of(n),
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
    if ((spec.min && x < *spec.min) || (spec.max && x > *spec.max)) {
      std::string bound;
      if (spec.min && spec.max) {
        bound = "between " + show(*spec.min) + " and " + show(*spec.max);
      } else if (spec.min) {
        bound = "at least " + show(*spec.min);
      } else {
        bound = "at most " + show(*spec.max);
      }
      error("out-of-range", span_of(n),
            name + where + " must be " + bound + ", got " + std::string(unit_hint));
      return false;
    }
    return true;
  };
  switch (spec.type) {
    case OptionType::string: {
      auto s = n.as_string();
      if (!s) return mismatch();
      if (!spec.choices.empty() &&
          std::find(spec.choices.begin(), spec.choices.end(), s->get()) == spec.choices.end()) {
        std::vector<std::string> quoted;
        for (const auto& c : spec.choices) quoted.push_back("\"" + c + "\"");
        auto hint = suggest(s->get(), spec.choices);
        error(
            "bad-choice", span_of(n),
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
        error("bad-duration", span_of(n), message,
              "use a number and one of the units " + std::string(kDurationUnits) +
                  ", e.g. \"250ms\" or \"1.5s\"");
        return std::nullopt;
      }
      if (!range(to_seconds(*d), s->get())) return std::nullopt;
      return OptionValue::duration(*d);
    }
    case OptionType::list: {
      if (!n.is_array()) return mismatch();
      return to_value(n, path_);
    }
    case OptionType::table: {
      if (!n.is_table()) return mismatch();
      return to_value(n, path_);
    }
    case OptionType::expression:
    case OptionType::template_: {
      auto s = n.as_string();
      if (!s) return mismatch();
      const bool is_expr = spec.type == OptionType::expression;
      const std::optional<SyntaxProblem> problem =
          is_expr ? Expression::check(s->get()) : Template::check(s->get());
      if (problem) {
        error("bad-expression", inside_string(n, problem->column),
              std::string(is_expr ? "in expression " : "in template ") + name + where + ": " +
                  problem->message);
        return std::nullopt;
      }
      return OptionValue::of(s->get());
    }
  }
  return std::nullopt;
}

Checked Loader::check_table(const toml::table& t, const Schema& schema, const std::string& where,
                            const std::vector<std::string>& also_allowed, const Span& table_span) {
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
      error("unknown-key", span_of(k, v), "unknown key " + quote(key) + where, hint);
      continue;
    }
    out.spans[key] = span_of(v);
    out.key_spans[key] = span_of(k, v);
    if (auto value = check_value(*spec, v, where)) out.values.emplace_back(key, std::move(*value));
  }
  for (const auto& o : schema.options) {
    if (t.contains(o.name)) continue;
    if (o.required && suggested.count(o.name) != 0) continue;
    if (o.required) {
      error("missing-key", table_span, "missing required key " + quote(o.name) + where,
            o.doc.empty() ? "" : quote(o.name) + ": " + o.doc);
    } else if (o.default_value) {
      out.values.emplace_back(o.name, *o.default_value);
    }
  }
  return out;
}

void Loader::load_pipeline_section(const toml::node& n) {
  auto t = n.as_table();
  if (!t) {
    error("type-mismatch", span_of(n), "'pipeline' must be a table");
    return;
  }
  auto c = check_table(*t, pipeline_schema(), " in [pipeline]", {}, span_of(n));
  if (auto v = c.find("name")) spec_.name = v->str;
  if (auto v = c.find("threads"); v && v->i > 0) spec_.threads = static_cast<std::size_t>(v->i);
  if (auto v = c.find("channel_capacity")) {
    spec_.channel_capacity = static_cast<std::size_t>(v->i);
  }
  if (auto v = c.find("drain_timeout")) spec_.drain_timeout = v->i;
  if (auto v = c.find("run_for")) spec_.run_for = v->i;
  if (auto v = c.find("plugins")) {
    spec_.plugins_span = c.key_spans["plugins"];
    const auto base = std::filesystem::path(path_).parent_path();
    for (const auto& p : v->list) {
      if (p.kind != OptionValue::Kind::string) {
        error("type-mismatch", c.spans["plugins"], "'plugins' must be an array of paths");
        break;
      }
      spec_.plugins.push_back((base / p.str).lexically_normal().string());
    }
  }
}

void Loader::load_shared(const toml::table& root, std::string_view section, const Schema& schema,
                         std::string_view what, std::vector<SharedSpec>& out) {
  const toml::node* n = root.get(section);
  if (!n) return;
  auto t = n->as_table();
  if (!t) {
    error("type-mismatch", span_of(*n), quote(section) + " must be a table of tables",
          "write [" + std::string(section) + ".NAME]");
    return;
  }
  for (const auto& [k, v] : *t) {
    const std::string name(k.str());
    auto entry = v.as_table();
    if (!entry) {
      error("type-mismatch", span_of(k, v),
            std::string(what) + " " + quote(name) + " must be a table",
            "write [" + std::string(section) + "." + name + "]");
      continue;
    }
    auto c =
        check_table(*entry, schema, " in " + std::string(what) + " " + quote(name), {}, span_of(v));
    SharedSpec s{name, {}, span_of(v)};
    s.settings.kind = OptionValue::Kind::table;
    s.settings.table = std::move(c.values);
    out.push_back(std::move(s));
  }
}

void Loader::check_declared(const std::string& name, const Span& span, std::string_view what,
                            std::string_view section, const std::vector<SharedSpec>& declared) {
  for (const auto& d : declared) {
    if (d.name == name) return;
  }
  std::vector<std::string> names;
  for (const auto& d : declared) names.push_back(d.name);
  auto hint = suggest(name, names);
  if (hint.empty()) hint = "declare it with [" + std::string(section) + "." + name + "]";
  error("undeclared-name", span, "undeclared " + std::string(what) + " " + quote(name), hint);
}

std::optional<PolicyRef> Loader::load_policy(const toml::node& n, std::string_view key,
                                             const StageSpec& stage, std::string_view section,
                                             const std::vector<SharedSpec>& declared,
                                             const Schema& schema) {
  const std::string where = " in stage " + quote(stage.name);
  std::string what = key == "rate_limit" ? "limiter" : key == "semaphore" ? "semaphore" : "breaker";
  if (auto s = n.as_string()) {
    check_declared(s->get(), span_of(n), what, section, declared);
    return PolicyRef{s->get(), {}, span_of(n)};
  }
  if (auto t = n.as_table()) {
    auto c = check_table(*t, schema, " in " + quote(key) + where, {}, span_of(n));
    PolicyRef ref{{}, {}, span_of(n)};
    ref.inline_value.kind = OptionValue::Kind::table;
    ref.inline_value.table = std::move(c.values);
    return ref;
  }
  error("type-mismatch", span_of(n),
        quote(key) + where + " must name a [" + std::string(section) +
            ".*] entry or be an inline table, not " + std::string(type_name(n)));
  return std::nullopt;
}

void Loader::load_inputs(StageWork& w, const toml::node& n) {
  const std::string where = " in stage " + quote(w.spec.name);
  auto a = n.as_array();
  if (!a) {
    std::string hint;
    if (auto s = n.as_string()) hint = "write inputs = [\"" + s->get() + "\"]";
    if (n.is_table()) hint = "an input table goes in the list too: inputs = [{ from = ... }]";
    error("type-mismatch", span_of(n),
          "'inputs'" + where + " must be an array, not " + std::string(type_name(n)), hint);
    return;
  }
  if (a->empty() && w.spec.role != Role::source) {
    error("missing-inputs", span_of(n), "'inputs'" + where + " is empty",
          "name at least one upstream stage, e.g. inputs = [\"src\"]");
  }
  for (const auto& e : *a) {
    InputSpec in;
    std::string ref;
    if (auto s = e.as_string()) {
      ref = s->get();
      in.span = span_of(e);
    } else if (auto t = e.as_table()) {
      auto c = check_table(*t, input_schema(), " in an input" + where, {}, span_of(e));
      auto from = c.find("from");
      if (!from) continue;
      ref = from->str;
      in.span = c.spans["from"];
      if (auto v = c.find("capacity")) in.capacity = static_cast<std::size_t>(v->i);
      if (auto v = c.find("overflow")) in.overflow = parse_overflow(v->str);
    } else {
      error("type-mismatch", span_of(e),
            "an input" + where +
                " must be a string \"stage\" / \"stage.port\" or a table "
                "{ from = \"stage\", ... }, not " +
                std::string(type_name(e)));
      continue;
    }
    in.stage = ref;  // split against the known stage names in resolve_inputs()
    w.spec.inputs.push_back(std::move(in));
  }
}

void Loader::load_stage(StageWork& w) {
  StageSpec& s = w.spec;
  const toml::table& t = *w.table;
  const std::string where = " in stage " + quote(s.name);
  const std::size_t errors_before = count(diags_, Severity::error);
  std::vector<std::string> special_keys;  // keys already dealt with (a misspelt `type`)

  // The type first: it decides which keys are allowed. A misspelt `type`
  // (typ, tpye) is reported and then read as the type, so that the stage's
  // other keys are still checked.
  std::string type_key = "type";
  const toml::node* type_node = t.get("type");
  if (type_node == nullptr) {
    for (const auto& [k, v] : t) {
      if (!v.is_string() || !did_you_mean(k.str(), {"type"})) continue;
      type_key = std::string(k.str());
      type_node = &v;
      error("missing-key", span_of(k, v),
            "unknown key " + quote(type_key) + where + ", which has no 'type'",
            "did you mean 'type'?");
      break;
    }
  }
  // A misspelt `inputs` (input, imputs) that is no option of the type counts:
  // its unknown-key error says what to fix, and the stage is read as the role
  // it was meant to have.
  std::string misspelt_inputs;
  if (!t.contains("inputs")) {
    const auto types = registry_.find_all(
        type_node && type_node->is_string() ? type_node->as_string()->get() : "");
    for (const auto& [k, v] : t) {
      const auto own = [&, key = k.str()](const StageType* st) { return st->schema.find(key); };
      if (did_you_mean(k.str(), {"inputs"}) && std::none_of(types.begin(), types.end(), own)) {
        misspelt_inputs = std::string(k.str());
      }
    }
  }
  const bool has_inputs = t.contains("inputs") || !misspelt_inputs.empty();

  if (const toml::node* tn = type_node) {
    s.type_span = span_of(*tn);
    if (auto ts = tn->as_string()) {
      s.type = ts->get();
      w.type = registry_.find(s.type, has_inputs);
      if (!w.type) {
        auto all = registry_.find_all(s.type);
        if (all.empty()) {
          std::vector<std::string> names;
          for (const auto& st : registry_.types()) names.push_back(st.name);
          auto hint = suggest(s.type, names);
          if (hint.empty()) {
            hint =
                "`sluice list` shows the available types; a plugin's type needs its library: "
                "[pipeline] plugins = [\"path.so\"] or --plugin path.so";
          }
          error("unknown-type", s.type_span, "unknown stage type " + quote(s.type), hint);
        } else {
          w.type = all.front();
          if (has_inputs) {
            std::string key = "inputs";
            if (!misspelt_inputs.empty()) {  // this error is the one to give about it
              key = misspelt_inputs;
              special_keys.push_back(key);
            }
            error("source-with-inputs", span_of(*t.get(key)),
                  "stage " + quote(s.name) + " of type " + quote(s.type) +
                      " is a source and takes no inputs",
                  "remove " + quote(key) + ", or use a stage type that consumes messages");
          } else {
            error("missing-inputs", s.span,
                  "stage " + quote(s.name) + " of type " + quote(s.type) + " needs inputs",
                  "add inputs = [\"<upstream stage>\"]");
          }
        }
      }
    } else {
      error("type-mismatch", s.type_span,
            "'type'" + where + " must be a string, not " + std::string(type_name(*tn)));
    }
  } else if (s.span.line == 0 && s.span.file.rfind("--set ", 0) == 0) {
    // Made by an override: most likely a misspelt stage name.
    std::vector<std::string> declared;
    for (const auto& other : stages_) {
      if (other.spec.span.line != 0) declared.push_back(other.spec.name);
    }
    std::string hint = suggest(s.name, declared);
    if (hint.empty()) {
      hint = declared.empty() ? "to add a stage with --set, also set its type: --set stages." +
                                    s.name + ".type=\"<stage type>\""
                              : "its stages are: " + join(declared) +
                                    "; to add one, also set its type: --set stages." + s.name +
                                    ".type=\"<stage type>\"";
    }
    error("unknown-stage", s.span, "the file declares no stage " + quote(s.name), hint);
  } else {
    error("missing-key", s.span, "stage " + quote(s.name) + " has no 'type'",
          "add type = \"<stage type>\"; `sluice list` shows them");
  }
  if (type_key != "type") special_keys.push_back(type_key);
  // Common keys, then the type's own options (unknown keys are reported once).
  std::vector<std::string> special = {"inputs", "rate_limit", "semaphore", "circuit_breaker",
                                      "retry"};
  for (const auto& o : common_schema().options) special.push_back(o.name);
  special.insert(special.end(), special_keys.begin(), special_keys.end());
  if (w.type) switch_role_if_keys_say_so(w, special);
  if (w.type) s.role = w.type->role();
  if (w.type) {  // with an unknown type, only the common keys can be checked
    std::vector<std::string> known = special;
    for (const auto& o : w.type->schema.options) known.push_back(o.name);
    for (const auto& [k, v] : t) {
      const std::string key(k.str());
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      auto hint = suggest(key, known);
      if (hint.empty()) hint = "`sluice list " + s.type + "` shows its options";
      error("unknown-key", span_of(k, v), "unknown key " + quote(key) + where, hint);
    }
  }
  for (const auto& o : common_schema().options) {
    const toml::node* n = t.get(o.name);
    if (!n) continue;
    // A type's own option of the same name wins (SPEC: batch's `timeout` is
    // its flush delay, not the attempt limit).
    if (w.type && w.type->schema.find(o.name)) continue;
    s.common_spans[o.name] = span_of(*n);
    if (o.name == "type") continue;
    auto v = check_value(o, *n, where);
    if (!v) continue;
    if (o.name == "workers") s.workers = static_cast<std::size_t>(v->i);
    if (o.name == "ordered") s.ordered = v->b;
    if (o.name == "blocking") s.blocking = v->b;
    if (o.name == "capacity") s.capacity = static_cast<std::size_t>(v->i);
    if (o.name == "overflow") s.overflow = parse_overflow(v->str);
    if (o.name == "timeout") s.timeout = v->i;
    if (o.name == "on_error") {
      s.on_error = parse_spelling(kOnErrorSpellings, v->str, OnError::fail);
      s.on_error_span = span_of(*n);
    }
  }
  if (auto n = t.get("rate_limit")) {
    s.common_spans["rate_limit"] = span_of(*n);
    s.rate_limit = load_policy(*n, "rate_limit", s, "limiters", spec_.limiters, limiter_schema());
  }
  if (auto n = t.get("semaphore")) {
    s.common_spans["semaphore"] = span_of(*n);
    s.semaphore =
        load_policy(*n, "semaphore", s, "semaphores", spec_.semaphores, semaphore_schema());
  }
  if (auto n = t.get("circuit_breaker")) {
    s.common_spans["circuit_breaker"] = span_of(*n);
    s.circuit_breaker =
        load_policy(*n, "circuit_breaker", s, "breakers", spec_.breakers, breaker_schema());
  }
  if (auto n = t.get("retry")) {
    s.common_spans["retry"] = span_of(*n);
    if (auto rt = n->as_table()) {
      auto c = check_table(*rt, retry_schema(), " in 'retry'" + where, {}, span_of(*n));
      const OptionValue* initial = c.find("initial_backoff");
      const OptionValue* most = c.find("max_backoff");
      if (initial && most && most->i < initial->i) {
        const auto it = c.spans.find("max_backoff");
        error("out-of-range", it != c.spans.end() ? it->second : span_of(*n),
              "'max_backoff' in 'retry'" + where + " is less than 'initial_backoff'",
              "the first delay is initial_backoff; max_backoff caps the later ones");
      }
      OptionValue v;
      v.kind = OptionValue::Kind::table;
      v.table = std::move(c.values);
      s.retry = std::move(v);
    } else {
      error("type-mismatch", span_of(*n),
            "'retry'" + where + " must be a table, not " + std::string(type_name(*n)),
            "e.g. retry = { max_attempts = 5, initial_backoff = \"100ms\" }");
    }
  }
  if (auto n = t.get("inputs")) {
    s.inputs_span = span_of(*n);
    load_inputs(w, *n);
  }

  if (!w.type) return;
  // The type's own options.
  Checked opts;
  for (const auto& o : w.type->schema.options) {
    const toml::node* n = t.get(o.name);
    if (!n) {
      if (o.required) {
        error("missing-key", s.span,
              "stage " + quote(s.name) + " of type " + quote(s.type) + " needs " + quote(o.name),
              o.doc.empty() ? "" : quote(o.name) + ": " + o.doc);
      } else if (o.default_value) {
        opts.values.emplace_back(o.name, *o.default_value);
      }
      continue;
    }
    s.option_spans[o.name] = span_of(*n);
    auto v = check_value(o, *n, where);
    if (!v) continue;
    // Names of shared objects an option refers to must be declared.
    if (const auto* declared = declared_in(o.refers_to);
        declared != nullptr && v->kind == OptionValue::Kind::string) {
      const std::string what = o.refers_to.substr(0, o.refers_to.size() - 1);  // "limiters"
      check_declared(v->str, span_of(*n), what, o.refers_to, *declared);
    }
    opts.values.emplace_back(o.name, std::move(*v));
  }
  s.options = Options(std::move(opts.values));
  // An option already reported is missing from s.options: a type that then
  // asks for it (OptionError) only echoes that error.
  const bool clean = count(diags_, Severity::error) == errors_before;
  try {
    s.ports = w.type->output_ports(s.options);
  } catch (const OptionError& e) {
    if (clean) factory_error(w, e);
    s.ports.clear();
    w.ports_known = false;
  } catch (const std::exception& e) {
    factory_error(w, e);
    s.ports.clear();
    w.ports_known = false;
  }
  if (w.ports_known && is_builtin(*w.type)) build_once(w, clean);
  if (s.role == Role::sink) s.ports.clear();  // a sink's only outputs are what it diverts
  if (s.role != Role::source) {
    if (s.on_error == OnError::dead_letter) s.ports.push_back("dead_letter");
    if (s.circuit_breaker) s.ports.push_back("rejected");
  }
}

/// A type with a source and a non-source of one name (`file`, `nats`) is
/// picked by `inputs`. When keys the picked role does not take all belong to
/// the other one, it is `inputs` that is wrong (a file sink written without
/// them reads as the file source): say so, once, and check the keys as the
/// other role's.
void Loader::switch_role_if_keys_say_so(StageWork& w, const std::vector<std::string>& common) {
  const StageSpec& s = w.spec;
  const auto foreign = [&](const StageType& type) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : *w.table) {
      const std::string key(k.str());
      if (std::find(common.begin(), common.end(), key) == common.end() && !type.schema.find(key)) {
        keys.push_back(key);
      }
    }
    return keys;
  };
  const std::vector<std::string> unknown = foreign(*w.type);
  if (unknown.empty()) return;
  for (const StageType* other : registry_.find_all(s.type)) {
    if (other == w.type || (other->role() == Role::source) == (w.type->role() == Role::source)) {
      continue;
    }
    if (!foreign(*other).empty()) continue;
    std::vector<std::string> quoted;
    for (const auto& k : unknown) quoted.push_back(quote(k));
    const std::string keys =
        quoted.size() == 1 ? quoted.front()
                           : join({quoted.begin(), quoted.end() - 1}) + " or " + quoted.back();
    const std::string read_as = "type " + quote(s.type) + " is read as a " +
                                std::string(to_string(w.type->role())) + ", which takes no " + keys;
    if (w.type->role() == Role::source) {
      error("missing-inputs", s.span, "stage " + quote(s.name) + " has no 'inputs', so " + read_as,
            "for a " + quote(s.type) + " " + std::string(to_string(other->role())) +
                ", add inputs = [\"<upstream stage>\"]");
    } else {
      const toml::node* in = w.table->get("inputs");
      error("source-with-inputs", in != nullptr ? span_of(*in) : s.span,
            "stage " + quote(s.name) + " has 'inputs', so " + read_as,
            "for a " + quote(s.type) + " source, remove 'inputs'");
    }
    w.type = other;
    return;
  }
}

/// Builds the stage once and drops it, so that what its factory checks beyond
/// the schema (an empty separator, a template inside attrs) is reported now,
/// with a position and with every other problem, not when `sluice run`
/// starts it. Plugin types are built by check_plugin_stages(), which names
/// the plugin. `clean`: none of the stage's options was rejected.
void Loader::build_once(StageWork& w, bool clean) {
  try {
    w.type->probe(w.spec.options);
  } catch (const OptionError& e) {
    if (clean) factory_error(w, e);
  } catch (const std::exception& e) {
    factory_error(w, e);
  }
}

/// The node at `path` ("attrs.tenant", "weights[1]") in the stage's table, or
/// the deepest one found on the way; null when not even the option is given.
const toml::node* Loader::option_node(const StageWork& w, std::string_view path) const {
  const toml::node* n = nullptr;  // null: the stage's table itself
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    const toml::node* next = nullptr;
    if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      std::size_t index = 0;
      const char* first = path.data() + i + 1;
      const char* last = path.data() + (close == std::string_view::npos ? path.size() : close);
      const toml::array* a = n != nullptr ? n->as_array() : nullptr;
      if (a != nullptr && std::from_chars(first, last, index).ptr == last) next = a->get(index);
      i = close == std::string_view::npos ? path.size() : close + 1;
    } else {
      std::size_t end = path.find_first_of(".[", i);
      if (end == std::string_view::npos) end = path.size();
      const toml::table* t = n != nullptr ? n->as_table() : w.table;
      if (t != nullptr) next = t->get(path.substr(i, end - i));
      i = end;
    }
    if (next == nullptr) break;
    n = next;
  }
  return n;
}

/// A factory's (or a port list's) complaint about the stage's options, at the
/// option it names; else at the stage.
void Loader::factory_error(const StageWork& w, const std::exception& e) {
  const StageSpec& s = w.spec;
  if (const auto* bad = dynamic_cast<const BadOption*>(&e)) {
    Span span = s.span;
    if (const toml::node* n = option_node(w, bad->option())) {
      span = bad->column() > 0 && n->is_string() ? inside_string(*n, bad->column()) : span_of(*n);
    }
    error("bad-option", span, detail::in_stage(bad->message(), bad->option(), s.name), bad->hint());
    return;
  }
  const std::string message = e.what();
  const auto option = detail::mentioned_option(message, s.option_spans);
  error("bad-option", option ? s.option_spans.at(*option) : s.span,
        detail::in_stage(message, option.value_or(""), s.name));
}

/// The type's own rules across its options and inputs (StageType::check),
/// each problem at the key it names, else at the stage.
void Loader::check_stage(const StageWork& w) {
  if (!w.type || !w.type->check) return;
  const StageSpec& s = w.spec;
  StageView view{s.name, s.options, {}, s.inputs.size()};
  for (const auto& [key, span] : s.option_spans) view.given.push_back(key);
  if (s.rate_limit) view.given.emplace_back("rate_limit");
  if (s.semaphore) view.given.emplace_back("semaphore");
  if (s.circuit_breaker) view.given.emplace_back("circuit_breaker");
  if (s.retry) view.given.emplace_back("retry");
  for (auto& p : w.type->check(view)) {
    Span span = s.span;
    if (const auto it = s.option_spans.find(p.at); it != s.option_spans.end()) {
      span = it->second;
    } else if (const auto common = s.common_spans.find(p.at); common != s.common_spans.end()) {
      span = common->second;
    }
    error(std::move(p.code), span, std::move(p.message), std::move(p.hint));
  }
}

/// The declared shared objects of a section an option may refer to; null for
/// any other section name.
const std::vector<SharedSpec>* Loader::declared_in(std::string_view section) const {
  if (section == "limiters") return &spec_.limiters;
  if (section == "semaphores") return &spec_.semaphores;
  if (section == "breakers") return &spec_.breakers;
  if (section == "topics") return &spec_.topics;
  return nullptr;
}

void Loader::resolve_inputs() {
  std::map<std::string, StageWork*> by_name;
  std::vector<std::string> names;
  for (auto& w : stages_) {
    by_name[w.spec.name] = &w;
    names.push_back(w.spec.name);
  }
  for (auto& w : stages_) {
    for (auto& in : w.spec.inputs) {
      const std::string ref = in.stage;
      StageWork* from = nullptr;
      std::string port;
      if (auto it = by_name.find(ref); it != by_name.end()) {
        from = it->second;
      } else if (auto dot = ref.rfind('.'); dot != std::string::npos) {
        if (auto it2 = by_name.find(ref.substr(0, dot)); it2 != by_name.end()) {
          from = it2->second;
          port = ref.substr(dot + 1);
        }
      }
      if (!from) {
        const std::string stage_part = ref.substr(0, ref.find('.'));
        if (broken_stages_.count(stage_part) != 0) {  // its own error says enough
          in.stage.clear();
          continue;
        }
        // Stage names are the user's own: a looser match is still a good guess.
        std::string hint;
        std::vector<std::string> others;
        for (const auto& n : names) {
          if (n != w.spec.name && others.size() < 10) others.push_back(n);
        }
        if (others.size() + 1 < names.size()) others.emplace_back("...");
        if (auto s = did_you_mean(stage_part, names, stage_part.size() >= 4 ? 2 : 1)) {
          hint = "did you mean " + quote(*s) + "?";
        } else if (stage_part != ref) {
          hint =
              "inputs name stages as \"stage\" or \"stage.port\"; the stages are: " + join(others);
        } else if (!others.empty()) {
          hint = "the stages are: " + join(others);
        }
        error("unknown-input", in.span,
              "input " + quote(ref) + " of stage " + quote(w.spec.name) + " names no stage", hint);
        in.stage.clear();
        continue;
      }
      in.stage = from->spec.name;
      if (!from->type || !from->ports_known) {  // the stage's own error says enough
        in.port = port;
        continue;
      }
      const auto& ports = from->spec.ports;
      const bool sink = from->spec.role == Role::sink;
      if (ports.empty() || (sink && port.empty())) {
        error("unknown-port", in.span,
              "stage " + quote(from->spec.name) + " is a sink and has no outputs to consume",
              ports.empty() ? std::string{}
                            : "its failures can be consumed: " +
                                  quote(from->spec.name + "." + ports.front()));
        in.stage.clear();
        continue;
      }
      if (port.empty()) {
        in.port = ports.front();
        continue;
      }
      if (std::find(ports.begin(), ports.end(), port) == ports.end()) {
        std::string hint;
        if (port == "dead_letter") {
          hint = "set on_error = \"dead_letter\" on stage " + quote(from->spec.name) +
                 " to give it a 'dead_letter' output";
        } else if (port == "rejected") {
          hint = "only a stage with a circuit_breaker has a 'rejected' output";
        } else {
          hint = suggest(port, ports);
          if (hint.empty()) hint = "its outputs are: " + join(ports);
        }
        error("unknown-port", in.span,
              "stage " + quote(from->spec.name) + " has no output port " + quote(port), hint);
        in.stage.clear();
        continue;
      }
      in.port = port;
    }
  }
}

void Loader::wire_topics() {
  // A topic is edges: one from every publishing stage of the topic to every
  // subscribing stage of it (StageType::publishes / subscribes), each with the topic's capacity and
  // slow_subscriber policy (a subscriber's own `capacity` / `overflow` keys
  // win), so each subscriber has its own bounded buffer.
  struct Use {
    StageWork* stage;
    Span span;
  };
  std::map<std::string, std::vector<Use>> publishers, subscribers;
  for (auto& w : stages_) {
    if (!w.type) continue;
    for (const auto& [key, uses] :
         {std::pair(w.type->publishes, &publishers), std::pair(w.type->subscribes, &subscribers)}) {
      if (key.empty() || !w.spec.options.has(key)) continue;
      (*uses)[w.spec.options.get_string(key)].push_back({&w, w.spec.option_spans[key]});
    }
  }
  // The hints name the types that publish and subscribe (built-ins first).
  const StageType* publisher = nullptr;
  const StageType* subscriber = nullptr;
  for (auto it = registry_.types().rbegin(); it != registry_.types().rend(); ++it) {
    if (!it->publishes.empty()) publisher = &*it;
    if (!it->subscribes.empty()) subscriber = &*it;
  }
  const auto add_one = [&](const StageType* type, const std::string& topic) {
    if (type == nullptr) return std::string{};
    const std::string& key = type == publisher ? type->publishes : type->subscribes;
    return "add a stage with type = \"" + type->name + "\" and " + key + " = \"" + topic + "\"";
  };
  // With errors, an unused topic is mostly their echo (a misspelt topic).
  const bool quiet = has_errors(diags_);
  for (const auto& topic : spec_.topics) {
    const auto& pubs = publishers[topic.name];
    const auto& subs = subscribers[topic.name];
    if (!quiet && pubs.empty() && subs.empty()) {
      warning("unused-topic", topic.span, "topic " + quote(topic.name) + " is not used",
              publisher == nullptr || subscriber == nullptr
                  ? std::string{}
                  : "publish to it with a " + quote(publisher->name) +
                        " stage and read it with a " + quote(subscriber->name) + " stage");
    } else if (!quiet && subs.empty()) {
      for (const auto& p : pubs) {
        warning("topic-without-subscriber", p.span,
                "topic " + quote(topic.name) + " has no subscriber; what stage " +
                    quote(p.stage->spec.name) + " publishes is dropped",
                add_one(subscriber, topic.name));
      }
    } else if (!quiet && pubs.empty()) {
      for (const auto& u : subs) {
        warning("topic-without-publisher", u.span,
                "topic " + quote(topic.name) + " has no publisher; stage " +
                    quote(u.stage->spec.name) + " ends at once without a message",
                add_one(publisher, topic.name));
      }
    }
    const OptionValue* cap = topic.settings.find("capacity");
    const OptionValue* slow = topic.settings.find("slow_subscriber");
    for (const auto& u : subs) {
      StageSpec& sub = u.stage->spec;
      for (const auto& p : pubs) {
        InputSpec in;
        in.stage = p.stage->spec.name;
        in.port = "out";  // compile gives a publisher this one port
        in.capacity =
            sub.capacity.value_or(cap ? static_cast<std::size_t>(cap->i) : spec_.channel_capacity);
        in.overflow = sub.overflow.value_or(slow ? parse_overflow(slow->str) : Overflow::block);
        in.span = u.span;
        in.topic = topic.name;
        sub.inputs.push_back(std::move(in));
      }
    }
  }
}

void Loader::find_cycles() {
  // consumers[i]: (consumer index, input index) pairs fed by stage i.
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < stages_.size(); ++i) index[stages_[i].spec.name] = i;
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> consumers(stages_.size());
  for (std::size_t i = 0; i < stages_.size(); ++i) {
    const auto& ins = stages_[i].spec.inputs;
    for (std::size_t j = 0; j < ins.size(); ++j) {
      if (ins[j].stage.empty()) continue;
      consumers[index[ins[j].stage]].emplace_back(i, j);
    }
  }
  std::vector<int> color(stages_.size(), 0);  // 0 new, 1 on the path, 2 done
  // The path: (stage, the input of that stage it was reached through).
  std::vector<std::pair<std::size_t, std::size_t>> path;
  std::set<std::set<std::size_t>> reported;
  const auto arrow = [&](std::size_t to, std::size_t input) {
    const auto& topic = stages_[to].spec.inputs[input].topic;
    return topic.empty() ? std::string(" -> ") : " -> (topic " + quote(topic) + ") -> ";
  };
  std::function<void(std::size_t, std::size_t)> visit = [&](std::size_t u, std::size_t via) {
    color[u] = 1;
    path.emplace_back(u, via);
    for (const auto& consumer : consumers[u]) {
      const std::size_t v = consumer.first;  // not a structured binding: lambdas capture it
      const std::size_t input = consumer.second;
      if (color[v] == 1) {
        auto start =
            std::find_if(path.begin(), path.end(), [&](const auto& p) { return p.first == v; });
        std::set<std::size_t> members;
        for (auto it = start; it != path.end(); ++it) members.insert(it->first);
        if (!reported.insert(members).second) continue;
        std::string ring = stages_[v].spec.name;
        for (auto it = start + 1; it != path.end(); ++it) {
          ring += arrow(it->first, it->second) + stages_[it->first].spec.name;
        }
        ring += arrow(v, input) + stages_[v].spec.name;
        const bool topics = ring.find(" -> (topic ") != std::string::npos;
        error("cycle", stages_[v].spec.inputs[input].span, "cycle in the graph: " + ring,
              topics ? "a pipeline must be acyclic, topics included; remove one of these inputs "
                       "or subscriptions"
                     : "a pipeline must be acyclic; remove one of these inputs");
      } else if (color[v] == 0) {
        visit(v, input);
      }
    }
    path.pop_back();
    color[u] = 2;
  };
  for (std::size_t i = 0; i < stages_.size(); ++i) {
    if (color[i] == 0) visit(i, 0);
  }
}

void Loader::warn_unconsumed() {
  std::set<std::pair<std::string, std::string>> consumed;
  for (const auto& w : stages_) {
    for (const auto& in : w.spec.inputs) consumed.emplace(in.stage, in.port);
  }
  for (const auto& w : stages_) {
    if (!w.type) continue;
    for (std::size_t p = 0; p < w.spec.ports.size(); ++p) {
      const auto& port = w.spec.ports[p];
      if (consumed.count({w.spec.name, port})) continue;
      const std::string ref = p == 0 ? w.spec.name : w.spec.name + "." + port;
      std::string why = port == "dead_letter" || port == "rejected"
                            ? "; those messages are counted and dropped"
                            : "; its messages are dropped";
      warning("unconsumed-output", w.spec.span,
              "output " + quote(ref) + " is not consumed by any stage" + why,
              "add \"" + ref + "\" to the inputs of a stage (e.g. a 'discard' sink)");
    }
  }
}

LoadResult Loader::run(const std::vector<std::string>& overrides) {
  LoadResult result;
  spec_.path = path_;
  spec_.name = std::filesystem::path(path_).stem().string();
  toml::table root;
  try {
    root = toml::parse(text_, path_);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    diags_.push_back(detail::syntax_error(e.description(), Span{path_, b.line, b.column}, text_));
    result.diagnostics = std::move(diags_);
    return result;
  }
  for (const auto& o : overrides) apply_override(root, o);

  static const std::vector<std::string> kSections = {"pipeline", "limiters", "semaphores",
                                                     "breakers", "topics",   "stages"};
  for (const auto& [k, v] : root) {
    if (std::find(kSections.begin(), kSections.end(), k.str()) == kSections.end()) {
      if (!v.is_table() && pipeline_schema().find(k.str())) {
        error("unknown-key", span_of(k, v), quote(k.str()) + " belongs under [pipeline]",
              root.contains("pipeline")
                  ? "move it below the [pipeline] header"
                  : "add a [pipeline] header above it: keys before the first [header] are "
                    "top-level");
        continue;
      }
      if (!v.is_table() && (k.str() == "inputs" || common_schema().find(k.str()))) {
        error("unknown-key", span_of(k, v), quote(k.str()) + " belongs to a stage",
              "put it below the [stages.NAME] header of its stage");
        continue;
      }
      auto hint = suggest(k.str(), kSections);
      if (hint.empty()) hint = "top-level sections: " + join(kSections);
      error("unknown-key", span_of(k, v), "unknown section " + quote(k.str()), hint);
    }
  }
  if (auto p = root.get("pipeline")) load_pipeline_section(*p);
  load_shared(root, "limiters", limiter_schema(), "limiter", spec_.limiters);
  load_shared(root, "semaphores", semaphore_schema(), "semaphore", spec_.semaphores);
  load_shared(root, "breakers", breaker_schema(), "breaker", spec_.breakers);
  load_shared(root, "topics", topic_schema(), "topic", spec_.topics);

  const toml::node* stages = root.get("stages");
  if (!stages || !stages->is_table() || stages->as_table()->empty()) {
    if (stages && !stages->is_table()) {
      error("type-mismatch", span_of(*stages), "'stages' must be a table of tables",
            "write [stages.NAME]");
    } else {
      error("missing-key",
            Span{path_, stages ? span_of(*stages).line : 0, stages ? span_of(*stages).column : 0},
            "the pipeline has no stages", "declare one with [stages.NAME] and type = \"...\"");
    }
  } else {
    for (const auto& [k, v] : *stages->as_table()) {
      auto t = v.as_table();
      if (!t) {
        error("type-mismatch", span_of(k, v), "stage " + quote(k.str()) + " must be a table",
              "write [stages." + std::string(k.str()) + "]");
        broken_stages_.insert(std::string(k.str()));
        continue;
      }
      StageWork w;
      w.spec.name = std::string(k.str());
      w.spec.span = span_of(v);
      w.table = t;
      stages_.push_back(std::move(w));
    }
    // toml++ tables are sorted by key: restore file order (--set-made stages last).
    std::stable_sort(stages_.begin(), stages_.end(), [](const StageWork& a, const StageWork& b) {
      auto ka = a.spec.span.line == 0 ? SIZE_MAX : a.spec.span.line;
      auto kb = b.spec.span.line == 0 ? SIZE_MAX : b.spec.span.line;
      return std::pair(ka, a.spec.span.column) < std::pair(kb, b.spec.span.column);
    });
    for (auto& w : stages_) load_stage(w);
    resolve_inputs();
    for (const auto& w : stages_) check_stage(w);
    wire_topics();
    find_cycles();
    // With errors, unconsumed outputs are mostly their echo (a broken input).
    if (!has_errors(diags_)) warn_unconsumed();
  }
  for (auto& w : stages_) spec_.stages.push_back(std::move(w.spec));
  sort_by_position(diags_);
  result.spec = std::move(spec_);
  result.diagnostics = std::move(diags_);
  return result;
}

}  // namespace

LoadResult load_pipeline_text(std::string_view text, const std::string& path,
                              const std::vector<std::string>& overrides, const Registry& registry) {
  try {
    return Loader(path, text, registry).run(overrides);
  } catch (const std::exception& e) {  // nothing throws past the API
    LoadResult r;
    r.diagnostics.push_back({Severity::error,
                             "internal",
                             Span{path, 0, 0},
                             std::string("internal error: ") + e.what(),
                             {}});
    return r;
  }
}

LoadResult load_pipeline(const std::string& path, const std::vector<std::string>& overrides,
                         const Registry& registry) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    LoadResult r;
    r.diagnostics.push_back({Severity::error, "io", Span{path, 0, 0},
                             "is a directory, not a pipeline file",
                             "name a .toml file, e.g. pipelines/quickstart.toml"});
    return r;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult r;
    r.diagnostics.push_back({Severity::error, "io", Span{path, 0, 0}, "cannot open the file", {}});
    return r;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return load_pipeline_text(ss.str(), path, overrides, registry);
}

}  // namespace sluice::dsl
