// The built-in stage types, one function per type, each defined in its own
// file next to its option schema. builtin_registry() adds them all.
#pragma once

#include "sluice/registry.hpp"

namespace sluice::builtins {

StageType generate_type();
StageType file_source_type();
StageType stdin_type();
StageType map_type();
StageType filter_type();
StageType work_type();
StageType delay_type();
StageType priority_type();
StageType fail_type();
StageType discard_type();
StageType stdout_type();
StageType file_sink_type();
StageType route_type();
StageType fan_out_type();
StageType take_type();
StageType sample_type();
StageType split_type();
StageType batch_type();
StageType dedupe_type();
StageType count_type();
StageType merge_type();
StageType rate_limit_type();
StageType publish_type();
StageType subscribe_type();
StageType nats_source_type();
StageType nats_sink_type();

}  // namespace sluice::builtins
