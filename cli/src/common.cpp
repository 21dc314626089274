#include <cstdio>

#include "commands.hpp"
#include "error_lines.hpp"
#include "sluice/dsl/duration.hpp"
#include "sluice/dsl/plugins.hpp"
#include "sluice/registry.hpp"

namespace sluice::cli {

std::size_t report(std::vector<dsl::Diagnostic> diagnostics) {
  dsl::sort_by_position(diagnostics);
  for (const auto& d : diagnostics) print_diagnostic(d);
  const auto errors = dsl::count(diagnostics, dsl::Severity::error);
  const auto warnings = dsl::count(diagnostics, dsl::Severity::warning);
  if (errors > 0) print_diagnostic_summary(errors, warnings);
  return errors;
}

std::optional<Loaded> load_and_compile(const std::string& file,
                                       const std::vector<std::string>& sets,
                                       const std::vector<std::string>& plugins) {
  // Read once: a pipe (`sluice run -`, `<(...)`, a here-doc) gives its text once.
  dsl::PipelineText text = dsl::read_pipeline_file(file);
  if (!text.ok()) {
    report(std::move(text.diagnostics));
    return std::nullopt;
  }
  std::vector<dsl::PluginRequest> requests;
  for (const auto& p : plugins) requests.push_back(dsl::command_line_plugin(p));
  for (auto& r : dsl::plugin_requests(text.text, text.path)) requests.push_back(std::move(r));
  // A plugin that failed to load would make each of its stages an unknown
  // type too: report the plugins alone.
  auto loaded_plugins = dsl::load_plugins(requests, builtin_registry());
  if (!loaded_plugins.ok()) {
    report(std::move(loaded_plugins.diagnostics));
    return std::nullopt;
  }
  const Registry& registry = loaded_plugins.registry;
  auto loaded = dsl::load_pipeline_text(text.text, text.path, sets, registry);
  std::vector<dsl::Diagnostic> all = std::move(loaded.diagnostics);
  if (file == "-") {
    for (const auto& s : loaded.spec.stages) {
      if (s.type != "stdin" || s.role != Role::source) continue;
      all.push_back({dsl::Severity::error, "stdin-taken", s.type_span,
                     "stage '" + s.name +
                         "' reads standard input, which holds the pipeline "
                         "file itself (sluice run -)",
                     "give the pipeline as a file, or read the data from a file source"});
    }
  }
  std::optional<Loaded> out;
  if (!dsl::has_errors(all)) {
    auto compiled = dsl::compile(loaded.spec, registry);
    all.insert(all.end(), compiled.diagnostics.begin(), compiled.diagnostics.end());
    auto rejected = dsl::check_plugin_stages(loaded.spec, loaded_plugins);
    all.insert(all.end(), rejected.begin(), rejected.end());
    out = Loaded{std::move(loaded.spec), std::move(compiled), 0};
  }
  const auto warnings = dsl::count(all, dsl::Severity::warning);
  if (report(std::move(all)) > 0) return std::nullopt;
  out->warnings = warnings;
  return out;
}

std::string to_toml(const OptionValue& v) {
  using K = OptionValue::Kind;
  switch (v.kind) {
    case K::none:
      return "";
    case K::string: {
      std::string s = "\"";
      for (char c : v.str) {
        switch (c) {
          case '"':
            s += "\\\"";
            break;
          case '\\':
            s += "\\\\";
            break;
          case '\n':
            s += "\\n";
            break;
          case '\t':
            s += "\\t";
            break;
          case '\r':
            s += "\\r";
            break;
          default:
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
              char buf[8];
              std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned char>(c));
              s += buf;
            } else {
              s += c;
            }
        }
      }
      return s + "\"";
    }
    case K::integer:
      return std::to_string(v.i);
    case K::floating: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g", v.f);
      std::string s = buf;
      if (s.find_first_of(".eni") == std::string::npos) s += ".0";
      return s;
    }
    case K::boolean:
      return v.b ? "true" : "false";
    case K::duration:
      return "\"" + dsl::format_duration(v.i) + "\"";
    case K::list: {
      std::string s = "[";
      for (std::size_t i = 0; i < v.list.size(); ++i) s += (i ? ", " : "") + to_toml(v.list[i]);
      return s + "]";
    }
    case K::table: {
      std::string s = "{";
      for (std::size_t i = 0; i < v.table.size(); ++i) {
        s += (i ? ", " : " ") + v.table[i].first + " = " + to_toml(v.table[i].second);
      }
      return s + (v.table.empty() ? "}" : " }");
    }
  }
  return "";
}

int check_command(const std::string& file, const std::vector<std::string>& sets,
                  const std::vector<std::string>& plugins) {
  auto loaded = load_and_compile(file, sets, plugins);
  if (!loaded) return kExitUsage;
  const auto& g = loaded->compiled.graph;
  std::printf("ok: %zu stage%s, %zu edge%s", g.nodes().size(), g.nodes().size() == 1 ? "" : "s",
              g.edges().size(), g.edges().size() == 1 ? "" : "s");
  if (loaded->warnings > 0) {
    std::printf(" (%zu warning%s)", loaded->warnings, loaded->warnings == 1 ? "" : "s");
  }
  std::printf("\n");
  return kExitOk;
}

}  // namespace sluice::cli
