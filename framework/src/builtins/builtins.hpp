// The built-in stage types, one function per type (`NAME_type()`), each
// defined in its own file next to its option schema. builtin_registry() adds
// them all, in this order. A new built-in is its file plus one line here.
#pragma once

#include "sluice/registry.hpp"

// X(NAME) for every built-in type function NAME_type().
#define SLUICE_BUILTIN_TYPES(X) \
  X(generate)                   \
  X(file_source)                \
  X(stdin)                      \
  X(map)                        \
  X(filter)                     \
  X(work)                       \
  X(delay)                      \
  X(priority)                   \
  X(fail)                       \
  X(discard)                    \
  X(stdout)                     \
  X(file_sink)                  \
  X(route)                      \
  X(fan_out)                    \
  X(take)                       \
  X(sample)                     \
  X(split)                      \
  X(batch)                      \
  X(dedupe)                     \
  X(count)                      \
  X(merge)                      \
  X(rate_limit)                 \
  X(publish)                    \
  X(subscribe)                  \
  X(nats_source)                \
  X(nats_sink)                  \
  X(gate)                       \
  X(http)                       \
  X(http_post)                  \
  X(http_server)

namespace sluice::builtins {

#define SLUICE_DECLARE_BUILTIN(name) StageType name##_type();
SLUICE_BUILTIN_TYPES(SLUICE_DECLARE_BUILTIN)
#undef SLUICE_DECLARE_BUILTIN

}  // namespace sluice::builtins
