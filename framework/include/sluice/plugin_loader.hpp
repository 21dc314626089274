// The host side of sluice/plugin.hpp: opening a plugin library and taking
// the stage types it registers. The CLI and the DSL use it; a program that
// embeds sluice may too.
//
//   auto plugin = sluice::open_plugin("build/release/plugins/flaky_service.so");
//   if (!plugin) {
//     std::cerr << plugin.error().message << '\n';
//     return 2;
//   }
//   sluice::Registry registry = sluice::builtin_registry();
//   auto taken = sluice::add_plugin_types(registry, *plugin);  // names that clash
//
// A program that opens plugins must export the SDK's symbols to them: link
// it with ENABLE_EXPORTS and the whole of sluice_runtime (the CMake helper
// sluice_plugin_host(TARGET) does both).
#pragma once

#include <string>
#include <vector>

#include "sluice/registry.hpp"
#include "sluice/result.hpp"

namespace sluice {
inline namespace v1 {

/// A plugin whose versions matched and whose register function succeeded.
struct LoadedPlugin {
  std::string path;              ///< as given
  std::string name;              ///< from its descriptor
  std::string version;           ///< from its descriptor
  const void* handle{nullptr};   ///< the dlopen handle: equal for two paths to one library
  std::vector<StageType> types;  ///< in the order it registered them
};

enum class PluginErrorCode {
  not_found,        ///< no such file
  not_loadable,     ///< dlopen failed: not a shared library, undefined symbol...
  no_entry_point,   ///< no `sluice_plugin_entry`
  abi_mismatch,     ///< built for another plugin ABI or C++ standard library
  register_failed,  ///< its register function reported an error
};

struct PluginError {
  PluginErrorCode code{PluginErrorCode::not_found};
  std::string message;  ///< names the file
  std::string hint;     ///< empty: none
};

/// Opens the library at `path` (RTLD_NOW | RTLD_LOCAL; never closed), checks
/// the descriptor's versions before anything else, then lets it register its
/// types into an empty registry. Opening one library twice is harmless: the
/// second call returns the same handle and types made anew.
[[nodiscard]] Result<LoadedPlugin, PluginError> open_plugin(const std::string& path);

/// Adds the plugin's types to `registry` unless one of their names is taken
/// there already; returns those names (empty: all were added).
[[nodiscard]] std::vector<std::string> add_plugin_types(Registry& registry,
                                                        const LoadedPlugin& plugin);

}  // namespace v1
}  // namespace sluice
