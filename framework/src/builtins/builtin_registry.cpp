#include "builtins/builtins.hpp"

namespace sluice {
inline namespace v1 {

Registry& builtin_registry() {
  static Registry registry = [] {
    Registry r;
    for (auto make :
         {builtins::generate_type,    builtins::file_source_type, builtins::stdin_type,
          builtins::map_type,         builtins::filter_type,      builtins::work_type,
          builtins::delay_type,       builtins::priority_type,    builtins::fail_type,
          builtins::discard_type,     builtins::stdout_type,      builtins::file_sink_type,
          builtins::route_type,       builtins::fan_out_type,     builtins::take_type,
          builtins::sample_type,      builtins::split_type,       builtins::batch_type,
          builtins::dedupe_type,      builtins::count_type,       builtins::merge_type,
          builtins::rate_limit_type,  builtins::publish_type,     builtins::subscribe_type,
          builtins::nats_source_type, builtins::nats_sink_type}) {
      r.add(make());
    }
    return r;
  }();
  return registry;
}

}  // namespace v1
}  // namespace sluice
