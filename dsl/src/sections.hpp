// The parts of a pipeline file around its stages: [pipeline], the shared
// [limiters] / [semaphores] / [breakers] / [topics] entries, and the stage
// keys that name one of them or hold one inline (rate_limit, semaphore,
// circuit_breaker).
#pragma once

#include <toml++/toml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "load_context.hpp"
#include "sluice/dsl/spec.hpp"
#include "sluice/options.hpp"

namespace sluice::dsl::detail {

void load_pipeline_section(LoadContext& ctx, const toml::node& n, PipelineSpec& spec);
/// Each entry of [section] checked against `schema`, into `out`.
void load_shared(LoadContext& ctx, const toml::table& root, std::string_view section,
                 const Schema& schema, std::string_view what, std::vector<SharedSpec>& out);
/// Reports `name` unless [section.name] is declared.
void check_declared(LoadContext& ctx, const std::string& name, const Span& span,
                    std::string_view what, std::string_view section,
                    const std::vector<SharedSpec>& declared);
/// A stage's `key`: the name of a [section.*] entry or an inline table.
std::optional<PolicyRef> load_policy(LoadContext& ctx, const toml::node& n, std::string_view key,
                                     const StageSpec& stage, std::string_view section,
                                     const std::vector<SharedSpec>& declared, const Schema& schema);

}  // namespace sluice::dsl::detail
