#include "sluice/node_state.hpp"

#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace sluice::detail {

std::shared_ptr<void> node_state(const void* node_key, std::string_view stage, std::type_index type,
                                 const std::function<std::shared_ptr<void>()>& make) {
  using Key = std::tuple<const void*, std::string, std::type_index>;
  static std::mutex mu;
  static std::map<Key, std::weak_ptr<void>> states;
  std::lock_guard lock(mu);
  // Forget nodes whose instances are all gone, so that a later node whose
  // Options happens to sit at the same address starts afresh.
  std::erase_if(states, [](const auto& kv) { return kv.second.expired(); });
  auto& slot = states[Key{node_key, std::string(stage), type}];
  if (auto existing = slot.lock()) return existing;
  auto made = make();
  slot = made;
  return made;
}

}  // namespace sluice::detail
