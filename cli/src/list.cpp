// `sluice list [TYPE]`: the stage types and their option schemas.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "commands.hpp"
#include "sluice/dsl/did_you_mean.hpp"
#include "sluice/dsl/duration.hpp"
#include "sluice/dsl/plugins.hpp"
#include "sluice/dsl/schemas.hpp"
#include "sluice/registry.hpp"

namespace sluice::cli {
namespace {

std::string constraints(const OptionSpec& o) {
  std::string c;
  auto num = [&](double x) {
    if (o.type == OptionType::duration) return dsl::format_duration(static_cast<Nanos>(x * 1e9));
    char buf[64];
    // Whole numbers in full: "1000000", not "1e+06".
    std::snprintf(buf, sizeof buf, std::abs(x) < 1e15 && x == std::floor(x) ? "%.0f" : "%g", x);
    return std::string(buf);
  };
  const std::optional<double> max = max_of(o);  // durations: 365 days unless less
  if (o.required) c = "required";
  if (o.min && max) {
    c += (c.empty() ? "" : ", ") + num(*o.min) + ".." + num(*max);
  } else if (o.min) {
    c += (c.empty() ? ">= " : ", >= ") + num(*o.min);
  } else if (max) {
    c += (c.empty() ? "<= " : ", <= ") + num(*max);
  }
  if (!o.choices.empty()) {
    std::string ch;
    for (const auto& x : o.choices) ch += (ch.empty() ? "" : " | ") + x;
    c += (c.empty() ? "" : ", ") + ch;
  }
  return c;
}

void print_schema(const Schema& schema) {
  std::size_t w_name = 4, w_type = 4, w_def = 7;
  for (const auto& o : schema.options) {
    w_name = std::max(w_name, o.name.size());
    w_type = std::max(w_type, to_string(o.type).size());
    if (o.default_value) w_def = std::max(w_def, to_toml(*o.default_value).size());
  }
  std::printf("  %-*s  %-*s  %-*s  %s\n", static_cast<int>(w_name), "NAME",
              static_cast<int>(w_type), "TYPE", static_cast<int>(w_def), "DEFAULT", "DESCRIPTION");
  for (const auto& o : schema.options) {
    const std::string def = o.default_value ? to_toml(*o.default_value) : "-";
    std::string doc = o.doc;
    const auto c = constraints(o);
    if (!c.empty()) doc += (doc.empty() ? "(" : " (") + c + ")";
    std::printf("  %-*s  %-*s  %-*s  %s\n", static_cast<int>(w_name), o.name.c_str(),
                static_cast<int>(w_type), std::string(to_string(o.type)).c_str(),
                static_cast<int>(w_def), def.c_str(), doc.c_str());
  }
}

}  // namespace

int list_command(const std::string& type, const std::vector<std::string>& plugins) {
  std::vector<dsl::PluginRequest> requests;
  for (const auto& p : plugins) requests.push_back(dsl::command_line_plugin(p));
  auto loaded = dsl::load_plugins(requests, builtin_registry());
  if (report(std::move(loaded.diagnostics)) > 0) return kExitUsage;
  const Registry& registry = loaded.registry;
  std::vector<const StageType*> types;
  for (const auto& t : registry.types()) types.push_back(&t);
  std::sort(types.begin(), types.end(), [](const StageType* a, const StageType* b) {
    return std::pair(a->name, a->role()) < std::pair(b->name, b->role());
  });
  if (type.empty()) {
    std::size_t w = 4;
    for (const auto* t : types) w = std::max(w, t->name.size());
    std::printf("%-*s  %-6s  %s\n", static_cast<int>(w), "TYPE", "ROLE", "DESCRIPTION");
    for (const auto* t : types) {
      std::printf("%-*s  %-6s  %s\n", static_cast<int>(w), t->name.c_str(),
                  std::string(to_string(t->role())).c_str(), t->doc.c_str());
    }
    std::printf("\n`sluice list TYPE` shows a type's options.\n");
    std::printf("\n[pipeline] accepts:\n");
    print_schema(dsl::pipeline_schema());
    return kExitOk;
  }
  auto matches = registry.find_all(type);
  if (matches.empty()) {
    std::vector<std::string> names;
    for (const auto* t : types) names.push_back(t->name);
    std::fprintf(stderr, "sluice: error: unknown stage type '%s'\n", type.c_str());
    if (auto s = dsl::did_you_mean(type, names)) {
      std::fprintf(stderr, "  hint: did you mean '%s'?\n", s->c_str());
    } else {
      std::fprintf(stderr, "  hint: a plugin's types are listed with --plugin PATH\n");
    }
    return kExitUsage;
  }
  bool first = true;
  for (const auto* t : matches) {
    if (!first) std::printf("\n");
    first = false;
    std::printf("%s (%s)%s: %s\n", t->name.c_str(), std::string(to_string(t->role())).c_str(),
                t->blocking ? ", blocking" : "", t->doc.c_str());
    if (t->schema.options.empty()) {
      std::printf("  no options of its own\n");
    } else {
      print_schema(t->schema);
    }
  }
  std::printf("\nEvery stage also accepts:\n");
  for (const auto& [name, doc] : dsl::common_key_docs()) {
    const OptionSpec* spec = dsl::common_schema().find(name);
    const std::string c = spec != nullptr ? constraints(*spec) : std::string{};
    std::printf("  %-16s %s%s\n", name.c_str(), doc.c_str(),
                c.empty() ? "" : (" (" + c + ")").c_str());
  }
  return kExitOk;
}

}  // namespace sluice::cli
