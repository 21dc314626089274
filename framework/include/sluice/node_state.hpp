// State shared by the `workers = N` instances of one node (take's count,
// dedupe's and count's maps; a plugin's cache). The runtime builds each
// instance separately (StageType::make_stage once per instance), but every
// instance of a node is made by the same factory from the same Options
// object, so that object's address plus the stage's name identifies the
// node while it runs.
//
//   explicit Count(const Options& o) : node_key_(&o) {}
//   void open(Context& ctx) override {
//     state_ = sluice::node_state<Counts>(node_key_, ctx,
//                                         [] { return std::make_shared<Counts>(16); });
//   }
//
// The state lives as long as an instance holds it. Instances of one node
// that were given distinct Options objects (a C++ factory that builds a new
// Options per call) are not guaranteed to share it.
//
// Thread-safety: node_state may be called from any thread; T must make its
// own members safe to share (sluice/sharded_map.hpp).
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <typeindex>

#include "sluice/stage.hpp"

namespace sluice {

// Outside v1, like the runtime's own sluice::detail (one namespace of that name).
namespace detail {
std::shared_ptr<void> node_state(const void* node_key, std::string_view stage, std::type_index type,
                                 const std::function<std::shared_ptr<void>()>& make);
}  // namespace detail

inline namespace v1 {

/// The state of type T of the node that `node_key` (the address of the
/// Options the factory was given; only compared, never read) and
/// `ctx.stage_name()` identify, made by `make()` (a std::shared_ptr<T>) for
/// the first instance to ask.
template <class T, class Make>
std::shared_ptr<T> node_state(const void* node_key, const Context& ctx, Make&& make) {
  return std::static_pointer_cast<T>(
      detail::node_state(node_key, ctx.stage_name(), std::type_index(typeid(T)),
                         [&]() -> std::shared_ptr<void> { return std::forward<Make>(make)(); }));
}

}  // namespace v1
}  // namespace sluice
