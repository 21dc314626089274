// TOML -> PipelineSpec: the Loader reads the file's sections and stages in
// order and hands each idea to its own file: --set (overrides), schema
// checks (schema_check), the shared sections and policy keys (sections),
// inputs, topics, the factory probe and a type's check hook (factory_probe),
// and the graph checks (graph_checks). Every check records a Diagnostic in
// the LoadContext and goes on, so that one run reports every problem of the
// file.
#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "factory_probe.hpp"
#include "file_paths.hpp"
#include "graph_checks.hpp"
#include "inputs.hpp"
#include "key_checks.hpp"
#include "load_context.hpp"
#include "nesting_scan.hpp"
#include "overrides.hpp"
#include "restart_option.hpp"
#include "schema_check.hpp"
#include "sections.hpp"
#include "sluice/dsl/did_you_mean.hpp"
#include "sluice/dsl/duration.hpp"
#include "sluice/dsl/loader.hpp"
#include "sluice/dsl/schemas.hpp"
#include "sluice/spellings.hpp"
#include "stage_work.hpp"
#include "syntax_error.hpp"
#include "topics.hpp"
#include "tree_checks.hpp"

namespace sluice::dsl {
namespace {
using namespace detail;  // the loading steps, one idea per file

/// One load of one file: the stages in file order and the spec they make.
class Loader {
 public:
  Loader(std::string path, std::string_view text, const Registry& registry) : registry_(registry) {
    ctx_.path = std::move(path);
    ctx_.text = std::string(text);
  }

  LoadResult run(const std::vector<std::string>& overrides);

 private:
  void load_stage(StageWork& w);
  void switch_role_if_keys_say_so(StageWork& w, const std::vector<std::string>& common);
  const std::vector<SharedSpec>* declared_in(std::string_view section) const;

  LoadContext ctx_;
  const Registry& registry_;
  std::set<std::string> broken_stages_;  ///< stage names whose entry is not a table (reported)
  PipelineSpec spec_;
  std::vector<StageWork> stages_;
};

void Loader::load_stage(StageWork& w) {
  StageSpec& s = w.spec;
  const toml::table& t = *w.table;
  const std::string where = " in stage " + quote(s.name);
  const std::size_t errors_before = count(ctx_.diags, Severity::error);
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
      ctx_.error("missing-key", ctx_.span_of(k, v),
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
    s.type_span = ctx_.span_of(*tn);
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
          ctx_.error("unknown-type", s.type_span, "unknown stage type " + quote(s.type), hint);
        } else {
          w.type = all.front();
          if (has_inputs) {
            std::string key = "inputs";
            if (!misspelt_inputs.empty()) {  // this error is the one to give about it
              key = misspelt_inputs;
              special_keys.push_back(key);
            }
            ctx_.error("source-with-inputs", ctx_.span_of(*t.get(key)),
                       "stage " + quote(s.name) + " of type " + quote(s.type) +
                           " is a source and takes no inputs",
                       "remove " + quote(key) + ", or use a stage type that consumes messages");
          } else {
            ctx_.error("missing-inputs", s.span,
                       "stage " + quote(s.name) + " of type " + quote(s.type) + " needs inputs",
                       "add inputs = [\"<upstream stage>\"]");
          }
        }
      }
    } else {
      ctx_.error("type-mismatch", s.type_span,
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
    ctx_.error("unknown-stage", s.span, "the file declares no stage " + quote(s.name), hint);
  } else {
    ctx_.error("missing-key", s.span, "stage " + quote(s.name) + " has no 'type'",
               "add type = \"<stage type>\"; `sluice list` shows them");
  }
  if (type_key != "type") special_keys.push_back(type_key);
  // Common keys, then the type's own options (unknown keys are reported once).
  std::vector<std::string> special = {"inputs",          "rate_limit", "semaphore",
                                      "circuit_breaker", "retry",      "restart"};
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
      ctx_.error("unknown-key", ctx_.span_of(k, v), "unknown key " + quote(key) + where, hint);
    }
  }
  for (const auto& o : common_schema().options) {
    const toml::node* n = t.get(o.name);
    if (!n) continue;
    // A type's own option of the same name wins (SPEC: batch's `timeout` is
    // its flush delay, not the attempt limit).
    if (w.type && w.type->schema.find(o.name)) continue;
    s.common_spans[o.name] = ctx_.span_of(*n);
    if (o.name == "type") continue;
    auto v = check_value(ctx_, o, *n, where);
    if (!v) continue;
    if (o.name == "workers") s.workers = static_cast<std::size_t>(v->i);
    if (o.name == "ordered") s.ordered = v->b;
    if (o.name == "blocking") s.blocking = v->b;
    if (o.name == "batch") s.batch = static_cast<std::size_t>(v->i);
    if (o.name == "max_in_flight") s.max_in_flight = static_cast<std::size_t>(v->i);
    if (o.name == "capacity") s.capacity = static_cast<std::size_t>(v->i);
    if (o.name == "overflow") s.overflow = parse_overflow(v->str);
    if (o.name == "timeout") s.timeout = v->i;
    if (o.name == "deadline") s.deadline = v->i;
    if (o.name == "on_error") {
      s.on_error = parse_spelling(kOnErrorSpellings, v->str, OnError::fail);
      s.on_error_span = ctx_.span_of(*n);
    }
  }
  if (auto n = t.get("rate_limit")) {
    s.common_spans["rate_limit"] = ctx_.span_of(*n);
    s.rate_limit =
        load_policy(ctx_, *n, "rate_limit", s, "limiters", spec_.limiters, limiter_schema());
  }
  if (auto n = t.get("semaphore")) {
    s.common_spans["semaphore"] = ctx_.span_of(*n);
    s.semaphore =
        load_policy(ctx_, *n, "semaphore", s, "semaphores", spec_.semaphores, semaphore_schema());
  }
  if (auto n = t.get("circuit_breaker")) {
    s.common_spans["circuit_breaker"] = ctx_.span_of(*n);
    s.circuit_breaker =
        load_policy(ctx_, *n, "circuit_breaker", s, "breakers", spec_.breakers, breaker_schema());
  }
  if (auto n = t.get("retry")) {
    s.common_spans["retry"] = ctx_.span_of(*n);
    if (auto rt = n->as_table()) {
      auto c = check_table(ctx_, *rt, retry_schema(), " in 'retry'" + where, {}, ctx_.span_of(*n));
      const OptionValue* initial = c.find("initial_backoff");
      const OptionValue* most = c.find("max_backoff");
      if (initial && most && most->i < initial->i) {
        const auto it = c.spans.find("max_backoff");
        ctx_.error("out-of-range", it != c.spans.end() ? it->second : ctx_.span_of(*n),
                   "'max_backoff' in 'retry'" + where + " is less than 'initial_backoff'",
                   "the first delay is initial_backoff; max_backoff caps the later ones");
      }
      OptionValue v;
      v.kind = OptionValue::Kind::table;
      v.table = std::move(c.values);
      s.retry = std::move(v);
    } else {
      ctx_.error("type-mismatch", ctx_.span_of(*n),
                 "'retry'" + where + " must be a table, not " + std::string(type_name(*n)),
                 "e.g. retry = { max_attempts = 5, initial_backoff = \"100ms\" }");
    }
  }
  if (auto n = t.get("restart")) {
    s.common_spans["restart"] = ctx_.span_of(*n);
    s.restart = load_restart(ctx_, *n, where);
  }
  if (auto n = t.get("inputs")) {
    s.inputs_span = ctx_.span_of(*n);
    load_inputs(ctx_, w, *n);
  }

  if (!w.type) return;
  // The type's own options.
  Checked opts;
  for (const auto& o : w.type->schema.options) {
    const toml::node* n = t.get(o.name);
    if (!n) {
      if (o.required) {
        ctx_.error(
            "missing-key", s.span,
            "stage " + quote(s.name) + " of type " + quote(s.type) + " needs " + quote(o.name),
            o.doc.empty() ? "" : quote(o.name) + ": " + o.doc);
      } else if (o.default_value) {
        opts.values.emplace_back(o.name, *o.default_value);
      }
      continue;
    }
    s.option_spans[o.name] = ctx_.span_of(*n);
    auto v = check_value(ctx_, o, *n, where);
    if (!v) continue;
    // Names of shared objects an option refers to must be declared.
    if (const auto* declared = declared_in(o.refers_to);
        declared != nullptr && v->kind == OptionValue::Kind::string) {
      const std::string what = o.refers_to.substr(0, o.refers_to.size() - 1);  // "limiters"
      check_declared(ctx_, v->str, ctx_.span_of(*n), what, o.refers_to, *declared);
    }
    opts.values.emplace_back(o.name, std::move(*v));
  }
  s.options = Options(std::move(opts.values));
  // An option already reported is missing from s.options: a type that then
  // asks for it (OptionError) only echoes that error.
  const bool clean = count(ctx_.diags, Severity::error) == errors_before;
  try {
    s.ports = w.type->output_ports(s.options);
  } catch (const OptionError& e) {
    if (clean) factory_error(ctx_, w, e);
    s.ports.clear();
    w.ports_known = false;
  } catch (const std::exception& e) {
    factory_error(ctx_, w, e);
    s.ports.clear();
    w.ports_known = false;
  }
  if (w.ports_known && is_builtin(*w.type)) build_once(ctx_, w, clean);
  if (s.role == Role::sink) s.ports.clear();  // a sink's only outputs are what it diverts
  if (s.role != Role::source) {
    if (dead_letters(s.on_error)) s.ports.push_back("dead_letter");
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
      ctx_.error("missing-inputs", s.span,
                 "stage " + quote(s.name) + " has no 'inputs', so " + read_as,
                 "for a " + quote(s.type) + " " + std::string(to_string(other->role())) +
                     ", add inputs = [\"<upstream stage>\"]");
    } else {
      const toml::node* in = w.table->get("inputs");
      ctx_.error("source-with-inputs", in != nullptr ? ctx_.span_of(*in) : s.span,
                 "stage " + quote(s.name) + " has 'inputs', so " + read_as,
                 "for a " + quote(s.type) + " source, remove 'inputs'");
    }
    w.type = other;
    return;
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

LoadResult Loader::run(const std::vector<std::string>& overrides) {
  LoadResult result;
  spec_.path = ctx_.path;
  spec_.name = std::filesystem::path(ctx_.path).stem().string();
  if (auto at = too_deep(ctx_.text)) {  // before toml++ recurses through it
    ctx_.diags.push_back(too_deep_error(Span{ctx_.path, at->line, at->column}));
    result.diagnostics = std::move(ctx_.diags);
    return result;
  }
  toml::table root;
  try {
    root = toml::parse(ctx_.text, ctx_.path);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    ctx_.diags.push_back(
        detail::syntax_error(e.description(), Span{ctx_.path, b.line, b.column}, ctx_.text));
    result.diagnostics = std::move(ctx_.diags);
    return result;
  }
  for (const auto& o : overrides) apply_override(ctx_, root, o);

  static const std::vector<std::string> kSections = {"pipeline", "limiters", "semaphores",
                                                     "breakers", "topics",   "stages"};
  for (const auto& [k, v] : root) {
    if (std::find(kSections.begin(), kSections.end(), k.str()) == kSections.end()) {
      if (!v.is_table() && pipeline_schema().find(k.str())) {
        ctx_.error("unknown-key", ctx_.span_of(k, v), quote(k.str()) + " belongs under [pipeline]",
                   root.contains("pipeline")
                       ? "move it below the [pipeline] header"
                       : "add a [pipeline] header above it: keys before the first [header] are "
                         "top-level");
        continue;
      }
      if (!v.is_table() && (k.str() == "inputs" || common_schema().find(k.str()))) {
        ctx_.error("unknown-key", ctx_.span_of(k, v), quote(k.str()) + " belongs to a stage",
                   "put it below the [stages.NAME] header of its stage");
        continue;
      }
      auto hint = suggest(k.str(), kSections);
      if (hint.empty()) hint = "top-level sections: " + join(kSections);
      ctx_.error("unknown-key", ctx_.span_of(k, v), "unknown section " + quote(k.str()), hint);
    }
  }
  if (auto p = root.get("pipeline")) load_pipeline_section(ctx_, *p, spec_);
  load_shared(ctx_, root, "limiters", limiter_schema(), "limiter", spec_.limiters);
  load_shared(ctx_, root, "semaphores", semaphore_schema(), "semaphore", spec_.semaphores);
  load_shared(ctx_, root, "breakers", breaker_schema(), "breaker", spec_.breakers);
  load_shared(ctx_, root, "topics", topic_schema(), "topic", spec_.topics);

  const toml::node* stages = root.get("stages");
  if (!stages || !stages->is_table() || stages->as_table()->empty()) {
    if (stages && !stages->is_table()) {
      ctx_.error("type-mismatch", ctx_.span_of(*stages), "'stages' must be a table of tables",
                 "write [stages.NAME]");
    } else {
      ctx_.error("missing-key",
                 Span{ctx_.path, stages ? ctx_.span_of(*stages).line : 0,
                      stages ? ctx_.span_of(*stages).column : 0},
                 "the pipeline has no stages", "declare one with [stages.NAME] and type = \"...\"");
    }
  } else {
    for (const auto& [k, v] : *stages->as_table()) {
      auto t = v.as_table();
      if (!t) {
        ctx_.error("type-mismatch", ctx_.span_of(k, v),
                   "stage " + quote(k.str()) + " must be a table",
                   "write [stages." + std::string(k.str()) + "]");
        broken_stages_.insert(std::string(k.str()));
        continue;
      }
      StageWork w;
      w.spec.name = std::string(k.str());
      w.spec.span = ctx_.span_of(v);
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
    resolve_inputs(ctx_, stages_, broken_stages_);
    for (const auto& w : stages_) check_stage(ctx_, w);
    check_file_paths(ctx_, stages_);
    wire_topics(ctx_, stages_, spec_, registry_);
    find_cycles(ctx_, stages_);
    // With errors, unconsumed outputs are mostly their echo (a broken input).
    if (!has_errors(ctx_.diags)) {
      warn_unconsumed(ctx_, stages_);
      warn_keyless_by_key(ctx_, stages_);
    }
  }
  check_tree(ctx_, root);  // last: what the checks above said is not said twice
  for (auto& w : stages_) spec_.stages.push_back(std::move(w.spec));
  sort_by_position(ctx_.diags);
  result.spec = std::move(spec_);
  result.diagnostics = std::move(ctx_.diags);
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
  PipelineText file = read_pipeline_file(path);
  if (!file.ok()) {
    LoadResult r;
    r.diagnostics = std::move(file.diagnostics);
    return r;
  }
  return load_pipeline_text(file.text, file.path, overrides, registry);
}

}  // namespace sluice::dsl
