#include "sections.hpp"

#include <filesystem>

#include "schema_check.hpp"
#include "sluice/dsl/schemas.hpp"

namespace sluice::dsl::detail {

void load_pipeline_section(LoadContext& ctx, const toml::node& n, PipelineSpec& spec) {
  auto t = n.as_table();
  if (!t) {
    ctx.error("type-mismatch", ctx.span_of(n), "'pipeline' must be a table");
    return;
  }
  auto c = check_table(ctx, *t, pipeline_schema(), " in [pipeline]", {}, ctx.span_of(n));
  if (auto v = c.find("name")) spec.name = v->str;
  if (auto v = c.find("threads"); v && v->i > 0) spec.threads = static_cast<std::size_t>(v->i);
  if (auto v = c.find("channel_capacity")) {
    spec.channel_capacity = static_cast<std::size_t>(v->i);
  }
  if (auto v = c.find("drain_timeout")) spec.drain_timeout = v->i;
  if (auto v = c.find("batch")) spec.batch = static_cast<std::size_t>(v->i);
  if (auto v = c.find("io_threads")) spec.io_threads = static_cast<std::size_t>(v->i);
  if (auto v = c.find("run_for")) spec.run_for = v->i;
  if (auto v = c.find("message_deadline")) spec.message_deadline = v->i;
  if (auto v = c.find("plugins")) {
    spec.plugins_span = c.key_spans["plugins"];
    const auto base = std::filesystem::path(ctx.path).parent_path();
    for (const auto& p : v->list) {
      if (p.kind != OptionValue::Kind::string) {
        ctx.error("type-mismatch", c.spans["plugins"], "'plugins' must be an array of paths");
        break;
      }
      spec.plugins.push_back((base / p.str).lexically_normal().string());
    }
  }
}

void load_shared(LoadContext& ctx, const toml::table& root, std::string_view section,
                 const Schema& schema, std::string_view what, std::vector<SharedSpec>& out) {
  const toml::node* n = root.get(section);
  if (!n) return;
  auto t = n->as_table();
  if (!t) {
    ctx.error("type-mismatch", ctx.span_of(*n), quote(section) + " must be a table of tables",
              "write [" + std::string(section) + ".NAME]");
    return;
  }
  for (const auto& [k, v] : *t) {
    const std::string name(k.str());
    auto entry = v.as_table();
    if (!entry) {
      ctx.error("type-mismatch", ctx.span_of(k, v),
                std::string(what) + " " + quote(name) + " must be a table",
                "write [" + std::string(section) + "." + name + "]");
      continue;
    }
    auto c = check_table(ctx, *entry, schema, " in " + std::string(what) + " " + quote(name), {},
                         ctx.span_of(v));
    SharedSpec s{name, {}, ctx.span_of(v)};
    s.settings.kind = OptionValue::Kind::table;
    s.settings.table = std::move(c.values);
    out.push_back(std::move(s));
  }
}

void check_declared(LoadContext& ctx, const std::string& name, const Span& span,
                    std::string_view what, std::string_view section,
                    const std::vector<SharedSpec>& declared) {
  for (const auto& d : declared) {
    if (d.name == name) return;
  }
  std::vector<std::string> names;
  for (const auto& d : declared) names.push_back(d.name);
  auto hint = suggest(name, names);
  if (hint.empty()) hint = "declare it with [" + std::string(section) + "." + name + "]";
  ctx.error("undeclared-name", span, "undeclared " + std::string(what) + " " + quote(name), hint);
}

std::optional<PolicyRef> load_policy(LoadContext& ctx, const toml::node& n, std::string_view key,
                                     const StageSpec& stage, std::string_view section,
                                     const std::vector<SharedSpec>& declared,
                                     const Schema& schema) {
  const std::string where = " in stage " + quote(stage.name);
  std::string what = key == "rate_limit" ? "limiter" : key == "semaphore" ? "semaphore" : "breaker";
  if (auto s = n.as_string()) {
    check_declared(ctx, s->get(), ctx.span_of(n), what, section, declared);
    return PolicyRef{s->get(), {}, ctx.span_of(n)};
  }
  if (auto t = n.as_table()) {
    auto c = check_table(ctx, *t, schema, " in " + quote(key) + where, {}, ctx.span_of(n));
    PolicyRef ref{{}, {}, ctx.span_of(n)};
    ref.inline_value.kind = OptionValue::Kind::table;
    ref.inline_value.table = std::move(c.values);
    return ref;
  }
  ctx.error("type-mismatch", ctx.span_of(n),
            quote(key) + where + " must name a [" + std::string(section) +
                ".*] entry or be an inline table, not " + std::string(type_name(n)));
  return std::nullopt;
}

}  // namespace sluice::dsl::detail
