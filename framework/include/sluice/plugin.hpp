// The one entry point of a plugin: a shared library that adds stage types.
// Include this header in exactly one source file of the plugin and declare
// the plugin there; everything a stage needs (Stage, Emitter, Context,
// Options, TransientError...) comes with it.
//
//   void register_types(sluice::Registry& r) {
//     r.add({.name = "stamp", .doc = "adds an attribute",
//            .schema = {{{"value", sluice::OptionType::string, "attribute value", {}, {}, {},
//                         {}, true}}},
//            .make = [](const sluice::Options& o) { return std::make_unique<Stamp>(o); }});
//   }
//   SLUICE_PLUGIN("stamp", "1.0.0", register_types)
//
// Build it with `sluice_add_plugin(stamp SOURCES stamp.cpp)` after
// `find_package(sluice)`; load it with `[pipeline] plugins = ["stamp.so"]`
// or `sluice run --plugin stamp.so`.
//
// The contract, GStreamer's: the loader reads the descriptor's version fields
// before it calls anything else, opens the library with local symbols
// (RTLD_NOW | RTLD_LOCAL) and never unloads it. The plugin resolves the SDK's
// out-of-line functions from the host (the `sluice` executable exports them),
// so it links no sluice library of its own. Nothing is thrown across the
// boundary: an exception from the register function becomes an error the
// host reports. Exceptions from a stage's process() are caught by the runtime
// and handled by the stage's `on_error`, like a built-in's.
//
// A factory (StageType::make) may throw on options it rejects, best a
// sluice::BadOption naming the option (sluice/bad_option.hpp):
// `sluice check` and `sluice run` build every plugin stage once while loading
// the pipeline and report the exception at the stage. So a factory should do
// no I/O; open() is the place for that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>

#include "sluice/async.hpp"
#include "sluice/bad_option.hpp"
#include "sluice/errors.hpp"
#include "sluice/expression.hpp"
#include "sluice/message.hpp"
#include "sluice/options.hpp"
#include "sluice/registry.hpp"
#include "sluice/stage.hpp"

namespace sluice {
inline namespace v1 {

/// Bumped whenever the layout or meaning of anything that crosses the plugin
/// boundary changes: PluginDescriptor, Message, Attrs, OptionValue, Options,
/// Schema, StageType, Registry, Emitter, AckRef, or the virtual functions of
/// Source, Stage, Sink, Context, Clock and AckShared. A host loads only
/// plugins of its own version.
/// 2: StageType::fusable, ack error text; 3: AckRef's shared state opaque;
/// 4: StageType::make (one factory), its check and wire hooks, publishes /
/// subscribes, OptionSpec::refers_to, BadOption; 5: async stages and sinks
/// (Stage::async, Sink::async, Call), Context::waker, StageType::async,
/// Stage::input_ended, Message::deadline_ns.
inline constexpr std::uint32_t kPluginAbiVersion = 6;

/// The C++ standard library the plugin was built against (its std::string
/// and std::function layouts cross the boundary in every Message and StageType).
inline constexpr std::uint32_t kPluginStdAbi =
#if defined(_LIBCPP_VERSION)
    0x200u | _LIBCPP_ABI_VERSION
#elif defined(__GLIBCXX__)
    0x100u | (_GLIBCXX_USE_CXX11_ABI ? 1u : 0u)
#if defined(_GLIBCXX_DEBUG)
    | 0x10u
#endif
#else
    0u
#endif
    ;

/// Registers the plugin's types into `registry`. Returns 0, or non-zero after
/// writing a message (NUL-terminated, truncated to `size`) into `error`.
using PluginRegisterFn = int (*)(Registry& registry, char* error, std::size_t size) noexcept;

/// What a plugin's entry point returns: static data that lives as long as
/// the library.
struct PluginDescriptor {
  // These two never move, whatever the ABI version: the host reads them first.
  std::uint32_t abi_version;  ///< kPluginAbiVersion of the SDK the plugin was built with
  std::uint32_t std_abi;      ///< kPluginStdAbi of that build
  // Meaning fixed by abi_version.
  const char* name;     ///< the plugin's name, for messages
  const char* version;  ///< the plugin's own version
  PluginRegisterFn register_types;
  /// Room to grow within one ABI version: zero today; a later field that is
  /// zero must mean "absent".
  void* reserved[8];
};

}  // namespace v1

// Outside v1, like the runtime's own sluice::detail (one namespace of that name).
namespace detail {
/// Calls `Register`; no exception leaves it (they become the error text).
template <void (*Register)(Registry&)>
int register_trampoline(Registry& registry, char* error, std::size_t size) noexcept {
  try {
    Register(registry);
    return 0;
  } catch (const std::exception& e) {
    std::snprintf(error, size, "%s", e.what());
  } catch (...) {
    std::snprintf(error, size, "unknown exception");
  }
  return 1;
}
}  // namespace detail

}  // namespace sluice

/// The entry point's symbol name, the same for every plugin.
#define SLUICE_PLUGIN_ENTRY "sluice_plugin_entry"

/// Declares the plugin: `name` and `version` are string literals,
/// `register_fn` a `void (sluice::Registry&)` function that adds its types.
#define SLUICE_PLUGIN(name, version, register_fn)                                     \
  extern "C" __attribute__((visibility("default"))) const ::sluice::PluginDescriptor* \
  sluice_plugin_entry() noexcept {                                                    \
    static const ::sluice::PluginDescriptor descriptor{                               \
        ::sluice::kPluginAbiVersion,                                                  \
        ::sluice::kPluginStdAbi,                                                      \
        name,                                                                         \
        version,                                                                      \
        &::sluice::detail::register_trampoline<register_fn>,                          \
        {}};                                                                          \
    return &descriptor;                                                               \
  }
