#include "builtins/builtins.hpp"

namespace sluice {
inline namespace v1 {

Registry& builtin_registry() {
  static Registry registry = [] {
    Registry r;
#define SLUICE_ADD_BUILTIN(name) r.add(builtins::name##_type());
    SLUICE_BUILTIN_TYPES(SLUICE_ADD_BUILTIN)
#undef SLUICE_ADD_BUILTIN
    return r;
  }();
  return registry;
}

}  // namespace v1
}  // namespace sluice
