#include "builtins/builtins.hpp"

namespace sluice {
inline namespace v1 {

Registry& builtin_registry() {
  static Registry registry = [] {
    Registry r;
    for (auto make :
         {builtins::generate_type, builtins::file_source_type, builtins::stdin_type,
          builtins::map_type, builtins::filter_type, builtins::work_type, builtins::delay_type,
          builtins::discard_type, builtins::stdout_type, builtins::file_sink_type}) {
      r.add(make());
    }
    return r;
  }();
  return registry;
}

}  // namespace v1
}  // namespace sluice
