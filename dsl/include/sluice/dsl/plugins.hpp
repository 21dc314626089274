// The plugins of a pipeline: the `[pipeline] plugins` entries of its file
// (relative to the file) and the `--plugin` paths, opened and their types
// added to a registry over the built-ins. Every problem, a missing file, no
// entry point, another ABI, a type name already taken, a factory that
// rejects a stage's options, becomes a Diagnostic that names the file.
//
//   std::vector<sluice::dsl::PluginRequest> wanted = sluice::dsl::plugin_requests("p.toml");
//   wanted.push_back(sluice::dsl::command_line_plugin("build/plugins/extra.so"));
//   auto plugins = sluice::dsl::load_plugins(wanted, sluice::builtin_registry());
//   if (!plugins.ok()) return 2;  // plugins.diagnostics say why
//   auto loaded = sluice::dsl::load_pipeline("p.toml", {}, plugins.registry);
//   auto more = sluice::dsl::check_plugin_stages(loaded.spec, plugins);
//
// The program must export the SDK to the plugins (see sluice/plugin_loader.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sluice/dsl/diagnostic.hpp"
#include "sluice/dsl/spec.hpp"
#include "sluice/plugin_loader.hpp"
#include "sluice/registry.hpp"

namespace sluice::dsl {

/// A plugin to load and where it was asked for.
struct PluginRequest {
  std::string path;  ///< resolved: relative to the pipeline file, or as given on the command line
  Span span;         ///< the entry's string in `plugins`, or Span{"--plugin PATH"}
};

/// The `[pipeline] plugins` entries of the file at `path`, resolved against
/// its folder. A file that does not parse or a `plugins` of the wrong shape
/// gives what can be read: load_pipeline reports the problem itself.
[[nodiscard]] std::vector<PluginRequest> plugin_requests(const std::string& path);
/// The same for a file's text already in memory; `path` names it.
[[nodiscard]] std::vector<PluginRequest> plugin_requests(std::string_view text,
                                                         const std::string& path);
/// `--plugin PATH` (relative to the working directory).
[[nodiscard]] PluginRequest command_line_plugin(const std::string& path);

struct PluginSet {
  Registry registry;                    ///< the base's types, then each plugin's
  std::vector<LoadedPlugin> plugins;    ///< each library once, in request order
  std::vector<Diagnostic> diagnostics;  ///< errors
  [[nodiscard]] bool ok() const noexcept { return !has_errors(diagnostics); }
  /// The plugin that registered the type called `type`, or nullptr (a built-in).
  [[nodiscard]] const LoadedPlugin* owner(std::string_view type) const noexcept;
};

/// Opens every requested library once (a library asked for twice is loaded
/// once) and adds its types to a copy of `base`. A plugin whose type name is
/// taken (by `base` or an earlier plugin) adds none of its types.
[[nodiscard]] PluginSet load_plugins(const std::vector<PluginRequest>& requests,
                                     const Registry& base);

/// Builds every stage of `spec` whose type comes from a plugin once, so that
/// a factory that rejects its options (throws) is reported before anything
/// runs: at the option its message names, else at the stage. (load_pipeline
/// builds the stages of built-in types itself.)
[[nodiscard]] std::vector<Diagnostic> check_plugin_stages(const PipelineSpec& spec,
                                                          const PluginSet& plugins);

}  // namespace sluice::dsl
