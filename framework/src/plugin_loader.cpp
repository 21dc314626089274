#include "sluice/plugin_loader.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <system_error>

#include "sluice/plugin.hpp"

namespace sluice {
inline namespace v1 {
namespace {

std::string quote(const std::string& s) { return "'" + s + "'"; }

Unexpected<PluginError> fail(PluginErrorCode code, std::string message, std::string hint = {}) {
  return unexpected(PluginError{code, std::move(message), std::move(hint)});
}

std::string describe_std_abi(std::uint32_t v) {
  if ((v & 0xf00u) == 0x100u) {
    std::string s = (v & 1u) ? "libstdc++ (C++11 ABI)" : "libstdc++ (old ABI)";
    if (v & 0x10u) s += " in debug mode";
    return s;
  }
  if ((v & 0xf00u) == 0x200u) return "libc++ ABI " + std::to_string(v & 0xffu);
  return "an unknown C++ library";
}

}  // namespace

Result<LoadedPlugin, PluginError> open_plugin(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return fail(PluginErrorCode::not_found, "cannot load plugin " + quote(path) + ": no such file");
  }
  if (fs::is_directory(path, ec)) {
    return fail(PluginErrorCode::not_loadable,
                "cannot load plugin " + quote(path) + ": it is a directory");
  }
  // A name without a slash would be searched for in the library path: anchor it.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    std::string reason = why != nullptr ? why : "unknown error";
    // dlerror() repeats the path first: keep what follows it.
    if (auto at = reason.find(file + ": "); at == 0) reason.erase(0, file.size() + 2);
    std::string hint;
    if (reason.find("undefined symbol") != std::string::npos) {
      hint =
          "the plugin needs a symbol this sluice does not have: rebuild it against this "
          "sluice's SDK";
    } else if (reason.find("ELF") != std::string::npos ||
               reason.find("too short") != std::string::npos) {
      hint = "a plugin is a shared library built with sluice_add_plugin()";
    }
    return fail(
        PluginErrorCode::not_loadable,
        "cannot load plugin " + quote(path) + ": not a loadable shared library (" + reason + ")",
        std::move(hint));
  }
  // Never dlclose: the types' code, and the objects and exceptions it made,
  // must stay valid for the life of the process.
  using Entry = const PluginDescriptor* (*)() noexcept;
  dlerror();
  void* symbol = dlsym(handle, SLUICE_PLUGIN_ENTRY);
  if (symbol == nullptr) {
    return fail(PluginErrorCode::no_entry_point,
                "cannot load plugin " + quote(path) + ": it has no entry point '" +
                    SLUICE_PLUGIN_ENTRY + "'",
                "declare one with SLUICE_PLUGIN(name, version, register_fn) from "
                "<sluice/plugin.hpp>");
  }
  auto entry = reinterpret_cast<Entry>(symbol);  // NOLINT: dlsym's documented use
  const PluginDescriptor* d = entry();
  if (d == nullptr) {
    return fail(PluginErrorCode::no_entry_point,
                "cannot load plugin " + quote(path) + ": its entry point returned no descriptor");
  }
  // Versions first: nothing else of the descriptor is read before they match.
  if (d->abi_version != kPluginAbiVersion) {
    return fail(PluginErrorCode::abi_mismatch,
                "cannot load plugin " + quote(path) + ": it was built for plugin ABI version " +
                    std::to_string(d->abi_version) + ", this sluice loads version " +
                    std::to_string(kPluginAbiVersion),
                "rebuild the plugin against this sluice's SDK");
  }
  if (d->std_abi != kPluginStdAbi) {
    return fail(PluginErrorCode::abi_mismatch,
                "cannot load plugin " + quote(path) + ": it was built with " +
                    describe_std_abi(d->std_abi) + ", this sluice with " +
                    describe_std_abi(kPluginStdAbi),
                "build the plugin with the compiler and standard library sluice was built with");
  }
  LoadedPlugin out;
  out.path = path;
  out.name = d->name != nullptr ? d->name : "";
  out.version = d->version != nullptr ? d->version : "";
  out.handle = handle;
  if (d->register_types == nullptr) {
    return fail(PluginErrorCode::no_entry_point,
                "cannot load plugin " + quote(path) + ": its descriptor has no register function");
  }
  Registry registry;
  std::array<char, 512> error{};
  if (d->register_types(registry, error.data(), error.size()) != 0) {
    error.back() = '\0';
    return fail(
        PluginErrorCode::register_failed,
        "plugin " + quote(path) + " failed to register its types: " + std::string(error.data()));
  }
  out.types = registry.types();
  return out;
}

std::vector<std::string> add_plugin_types(Registry& registry, const LoadedPlugin& plugin) {
  std::vector<std::string> taken;
  for (const StageType& t : plugin.types) {
    if (!registry.find_all(t.name).empty() &&
        std::find(taken.begin(), taken.end(), t.name) == taken.end()) {
      taken.push_back(t.name);
    }
  }
  if (!taken.empty()) return taken;
  for (const StageType& t : plugin.types) (void)registry.add(t);
  return taken;
}

}  // namespace v1
}  // namespace sluice
