#include "sluice/dsl/plugins.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "factory_error.hpp"
#include "nesting_scan.hpp"
#include "sluice/bad_option.hpp"

namespace sluice::dsl {
namespace {

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string_view code_of(PluginErrorCode c) {
  switch (c) {
    case PluginErrorCode::not_found:
      return "plugin-not-found";
    case PluginErrorCode::not_loadable:
      return "plugin-not-loadable";
    case PluginErrorCode::no_entry_point:
      return "plugin-no-entry-point";
    case PluginErrorCode::abi_mismatch:
      return "plugin-abi-mismatch";
    case PluginErrorCode::register_failed:
      return "plugin-register-failed";
  }
  return "plugin";
}

void error(std::vector<Diagnostic>& out, std::string_view code, Span span, std::string message,
           std::string hint = {}) {
  out.push_back(
      {Severity::error, std::string(code), std::move(span), std::move(message), std::move(hint)});
}

}  // namespace

std::vector<PluginRequest> plugin_requests(std::string_view text, const std::string& path) {
  std::vector<PluginRequest> out;
  if (detail::too_deep(text)) return out;  // load_pipeline reports it; toml++ would overflow
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error&) {
    return out;
  }
  const auto* list = root["pipeline"]["plugins"].as_array();
  if (list == nullptr) return out;
  const auto base = std::filesystem::path(path).parent_path();
  for (const auto& entry : *list) {
    const auto* s = entry.as_string();
    if (s == nullptr) continue;
    const auto& begin = entry.source().begin;
    out.push_back(
        {(base / s->get()).lexically_normal().string(), Span{path, begin.line, begin.column}});
  }
  return out;
}

std::vector<PluginRequest> plugin_requests(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};  // load_pipeline says the file cannot be read
  std::ostringstream text;
  text << in.rdbuf();
  return plugin_requests(text.str(), path);
}

PluginRequest command_line_plugin(const std::string& path) {
  return {path, Span{"--plugin " + path, 0, 0}};
}

const LoadedPlugin* PluginSet::owner(std::string_view type) const noexcept {
  for (const auto& p : plugins) {
    for (const auto& t : p.types) {
      if (t.name == type) return &p;
    }
  }
  return nullptr;
}

PluginSet load_plugins(const std::vector<PluginRequest>& requests, const Registry& base) {
  PluginSet set;
  set.registry = base;
  for (const auto& request : requests) {
    auto plugin = open_plugin(request.path);
    if (!plugin) {
      const PluginError& e = plugin.error();
      std::string hint = e.hint;
      if (e.code == PluginErrorCode::not_found && request.span.line != 0) {
        hint = "paths in 'plugins' are relative to the pipeline file's folder";
      }
      error(set.diagnostics, code_of(e.code), request.span, e.message, std::move(hint));
      continue;
    }
    const bool seen =
        std::any_of(set.plugins.begin(), set.plugins.end(),
                    [&](const LoadedPlugin& p) { return p.handle == plugin->handle; });
    if (seen) continue;  // the same library asked for twice
    auto taken = add_plugin_types(set.registry, *plugin);
    for (const auto& name : taken) {
      const LoadedPlugin* other = set.owner(name);
      error(set.diagnostics, "plugin-type-clash", request.span,
            "plugin " + quote(request.path) + " registers stage type " + quote(name) + ", which " +
                (other != nullptr ? "plugin " + quote(other->path) + " registers already"
                                  : std::string("is a built-in type")),
            "type names are global: rename the type in the plugin");
    }
    if (taken.empty()) set.plugins.push_back(std::move(*plugin));
  }
  return set;
}

std::vector<Diagnostic> check_plugin_stages(const PipelineSpec& spec, const PluginSet& plugins) {
  std::vector<Diagnostic> out;
  for (const auto& s : spec.stages) {
    const LoadedPlugin* plugin = plugins.owner(s.type);
    if (plugin == nullptr) continue;
    const StageType* type = plugins.registry.find(s.type, s.role != Role::source);
    if (type == nullptr || type->role() != s.role) continue;  // already reported
    std::string problem;
    std::optional<std::string> option;  // where a BadOption points
    try {
      type->probe(s.options);
    } catch (const BadOption& e) {
      problem = e.what();
      // "attrs.tenant", "weights[1]": the option is what comes first.
      const std::string top = e.option().substr(0, e.option().find_first_of(".["));
      if (s.option_spans.count(top) != 0) option = top;
    } catch (const std::exception& e) {
      problem = e.what();
    } catch (...) {
      problem = "unknown exception";
    }
    if (problem.empty()) continue;
    if (!option) option = detail::mentioned_option(problem, s.option_spans);
    error(out, "plugin-bad-options", option ? s.option_spans.at(*option) : s.span,
          "stage " + quote(s.name) + ": type " + quote(s.type) + " of plugin " +
              quote(plugin->path) + " rejects its options: " + problem);
  }
  return out;
}

}  // namespace sluice::dsl
