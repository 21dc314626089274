// [topics.NAME] as edges: one from every stage that publishes to a topic to
// every stage that subscribes to it (StageType::publishes / subscribes),
// each with the topic's capacity and slow_subscriber policy; and the
// warnings about topics nobody publishes to or reads.
#pragma once

#include <vector>

#include "load_context.hpp"
#include "stage_work.hpp"

namespace sluice::dsl::detail {

void wire_topics(LoadContext& ctx, std::vector<StageWork>& stages, const PipelineSpec& spec,
                 const Registry& registry);

}  // namespace sluice::dsl::detail
