// The schemas of everything in a pipeline file that is not a stage type's own
// option: [pipeline], the keys every stage accepts, shared limiters,
// semaphores, breakers and topics, `retry` and inline inputs. One description
// drives validation and `sluice list`.
#pragma once

#include <optional>
#include <string_view>

#include "sluice/graph.hpp"
#include "sluice/options.hpp"

namespace sluice::dsl {

const Schema& pipeline_schema();
/// The plain-valued common stage keys (type, workers, ordered, capacity,
/// overflow, on_error, timeout, blocking). `inputs`, `rate_limit`,
/// `semaphore`, `circuit_breaker` and `retry` take several shapes and are
/// documented by common_key_docs().
const Schema& common_schema();
/// name -> one-line description of every common key, in the order `sluice list` shows them.
const std::vector<std::pair<std::string, std::string>>& common_key_docs();
const Schema& input_schema();  ///< { from, capacity, overflow }
const Schema& limiter_schema();
const Schema& semaphore_schema();
const Schema& breaker_schema();
const Schema& topic_schema();
const Schema& retry_schema();

/// "block" | "drop_newest" | "drop_oldest" (already validated spellings).
Overflow parse_overflow(std::string_view s) noexcept;

}  // namespace sluice::dsl
