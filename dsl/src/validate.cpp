// TOML -> PipelineSpec: parsing, --set overrides, schema validation and input
// resolution. Every check records a Diagnostic and goes on, so that one run
// reports every problem of the file.
#include <toml++/toml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "expr/expression.hpp"
#include "sluice/dsl/did_you_mean.hpp"
#include "sluice/dsl/duration.hpp"
#include "sluice/dsl/loader.hpp"
#include "sluice/dsl/schemas.hpp"

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
};

class Loader {
 public:
  Loader(std::string path, std::string_view text, const Registry& registry)
      : path_(std::move(path)), text_(text), registry_(registry) {
    std::size_t start = 0;
    while (start <= text_.size()) {
      auto end = text_.find('\n', start);
      if (end == std::string::npos) end = text_.size();
      lines_.push_back(std::string_view(text_).substr(start, end - start));
      start = end + 1;
    }
  }

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
  Span span_of(const toml::key& k, const toml::node& value) const {
    if (k.source().begin.line == 0 || (k.source().path && *k.source().path != path_)) {
      return span_of(value);
    }
    return Span{path_, k.source().begin.line, k.source().begin.column};
  }
  /// The file position of (1-based) column `column` inside a string value.
  Span inside_string(const toml::node& n, std::size_t column) const {
    Span s = span_of(n);
    if (s.line == 0 || s.line > lines_.size()) return s;
    std::string_view raw = lines_[s.line - 1];
    std::size_t i = s.column - 1;
    if (i >= raw.size() || (raw[i] != '"' && raw[i] != '\'')) return s;
    if (raw.substr(i, 3) == "\"\"\"" || raw.substr(i, 3) == "'''") return s;
    const bool literal = raw[i] == '\'';
    ++i;
    for (std::size_t decoded = 1; decoded < column && i < raw.size(); ++decoded) {
      if (!literal && raw[i] == '\\' && i + 1 < raw.size()) {
        i += raw[i + 1] == 'u' ? 6 : raw[i + 1] == 'U' ? 10 : 2;
      } else {
        ++i;
      }
    }
    s.column = i + 1;
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
  void check_rate_limit_node(const StageWork& w);
  void resolve_inputs();
  void wire_topics();
  void find_cycles();
  void warn_unconsumed();

  std::string path_;
  std::string text_;
  std::vector<std::string_view> lines_;
  const Registry& registry_;
  std::vector<Diagnostic> diags_;
  std::map<const toml::node*, std::string> origin_;  ///< nodes made by --set
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
  auto mismatch = [&](std::string hint = {}) {
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
        error("bad-duration", span_of(n), d.error() + " for " + name + where,
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
      std::optional<expr::ParseError> problem;
      if (is_expr) {
        auto e = expr::Expression::compile(s->get());
        if (!e) problem = e.error();
      } else {
        auto t = expr::Template::compile(s->get());
        if (!t) problem = t.error();
      }
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
  for (const auto& [k, v] : t) {
    const std::string key(k.str());
    if (std::find(also_allowed.begin(), also_allowed.end(), key) != also_allowed.end()) continue;
    const OptionSpec* spec = schema.find(key);
    if (!spec) {
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
  const bool has_inputs = t.contains("inputs");

  // The type first: it decides which keys are allowed.
  if (const toml::node* tn = t.get("type")) {
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
            const toml::node* in = t.get("inputs");
            error("source-with-inputs", span_of(*in),
                  "stage " + quote(s.name) + " of type " + quote(s.type) +
                      " is a source and takes no inputs",
                  "remove 'inputs', or use a stage type that consumes messages");
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
  } else {
    error("missing-key", s.span, "stage " + quote(s.name) + " has no 'type'",
          "add type = \"<stage type>\"; `sluice list` shows them");
  }
  if (w.type) s.role = w.type->role;

  // Common keys, then the type's own options (unknown keys are reported once).
  std::vector<std::string> special = {"inputs", "rate_limit", "semaphore", "circuit_breaker",
                                      "retry"};
  for (const auto& o : common_schema().options) special.push_back(o.name);
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
      s.on_error = v->str == "drop"          ? OnError::drop
                   : v->str == "dead_letter" ? OnError::dead_letter
                                             : OnError::fail;
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
    if (o.type == OptionType::string && o.name == "topic") {
      check_declared(v->str, span_of(*n), "topic", "topics", spec_.topics);
    }
    if (o.type == OptionType::string && o.name == "limiter") {
      check_declared(v->str, span_of(*n), "limiter", "limiters", spec_.limiters);
    }
    opts.values.emplace_back(o.name, std::move(*v));
  }
  s.options = Options(std::move(opts.values));
  try {
    s.ports = w.type->output_ports(s.options);
  } catch (const std::exception& e) {
    error("bad-type", s.type_span,
          "stage type " + quote(s.type) + " failed to list its ports: " + e.what());
    s.ports.clear();
  }
  if (s.role == Role::sink) s.ports.clear();  // a sink's only outputs are what it diverts
  if (s.role != Role::source) {
    if (s.on_error == OnError::dead_letter) s.ports.push_back("dead_letter");
    if (s.circuit_breaker) s.ports.push_back("rejected");
  }
  if (w.type->name == "rate_limit" && w.type->role == Role::stage) check_rate_limit_node(w);
}

void Loader::check_rate_limit_node(const StageWork& w) {
  const StageSpec& s = w.spec;
  const auto given = [&](const char* key) { return s.option_spans.count(key) != 0; };
  const std::string where = " in stage " + quote(s.name);
  if (given("limiter") && given("rate")) {
    error("conflicting-keys", s.option_spans.at("rate"),
          "'limiter' and 'rate' are both given" + where,
          "name a [limiters.*] entry or give rate / per / burst here, not both");
  } else if (!given("limiter") && !given("rate")) {
    error("missing-key", s.span,
          "stage " + quote(s.name) + " of type 'rate_limit' needs 'limiter' or 'rate'",
          "e.g. limiter = \"api\" with [limiters.api], or rate = 100, per = \"1s\", burst = 10");
  } else if (given("limiter")) {
    for (const char* key : {"per", "burst", "mode", "max_wait"}) {
      if (!given(key)) continue;
      error("conflicting-keys", s.option_spans.at(key),
            quote(key) + where + " has no effect with 'limiter'",
            "set it in [limiters." +
                (s.options.has("limiter") ? s.options.get_string("limiter") : "NAME") +
                "], or drop 'limiter'");
    }
  }
  if (s.rate_limit) {
    error("conflicting-keys", s.common_spans.at("rate_limit"),
          "'rate_limit'" + where + " duplicates the stage's own limit",
          "a stage of type 'rate_limit' is limited by its 'limiter' or 'rate'; remove this key");
  }
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
        auto hint = suggest(stage_part, names);
        if (hint.empty() && stage_part != ref) {
          hint = "inputs name stages as \"stage\" or \"stage.port\"";
        }
        error("unknown-input", in.span,
              "input " + quote(ref) + " of stage " + quote(w.spec.name) + " names no stage", hint);
        in.stage.clear();
        continue;
      }
      in.stage = from->spec.name;
      if (!from->type) {  // its ports are unknown; the type error says enough
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
  // A topic is edges: one from every `publish` stage of the topic to every
  // `subscribe` stage of it, each with the topic's capacity and
  // slow_subscriber policy (a subscriber's own `capacity` / `overflow` keys
  // win), so each subscriber has its own bounded buffer.
  struct Use {
    StageWork* stage;
    Span span;
  };
  std::map<std::string, std::vector<Use>> publishers, subscribers;
  for (auto& w : stages_) {
    if (!w.type || !w.spec.options.has("topic")) continue;
    const bool pub = w.type->name == "publish" && w.type->role == Role::sink;
    const bool sub = w.type->name == "subscribe" && w.type->role == Role::source;
    if (!pub && !sub) continue;
    (pub ? publishers : subscribers)[w.spec.options.get_string("topic")].push_back(
        {&w, w.spec.option_spans["topic"]});
  }
  // With errors, an unused topic is mostly their echo (a misspelt topic).
  const bool quiet = has_errors(diags_);
  for (const auto& topic : spec_.topics) {
    const auto& pubs = publishers[topic.name];
    const auto& subs = subscribers[topic.name];
    if (!quiet && pubs.empty() && subs.empty()) {
      warning("unused-topic", topic.span, "topic " + quote(topic.name) + " is not used",
              "publish to it with a 'publish' stage and read it with a 'subscribe' stage");
    } else if (!quiet && subs.empty()) {
      for (const auto& p : pubs) {
        warning("topic-without-subscriber", p.span,
                "topic " + quote(topic.name) + " has no subscriber; what stage " +
                    quote(p.stage->spec.name) + " publishes is dropped",
                "add a stage with type = \"subscribe\" and topic = \"" + topic.name + "\"");
      }
    } else if (!quiet && pubs.empty()) {
      for (const auto& u : subs) {
        warning("topic-without-publisher", u.span,
                "topic " + quote(topic.name) + " has no publisher; stage " +
                    quote(u.stage->spec.name) + " ends at once without a message",
                "add a stage with type = \"publish\" and topic = \"" + topic.name + "\"");
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
    error("syntax", Span{path_, b.line, b.column}, std::string(e.description()));
    result.diagnostics = std::move(diags_);
    return result;
  }
  for (const auto& o : overrides) apply_override(root, o);

  static const std::vector<std::string> kSections = {"pipeline", "limiters", "semaphores",
                                                     "breakers", "topics",   "stages"};
  for (const auto& [k, v] : root) {
    if (std::find(kSections.begin(), kSections.end(), k.str()) == kSections.end()) {
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
