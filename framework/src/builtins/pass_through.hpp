// PassThrough and EmptySource: the code of the node types whose behaviour is
// the runtime's (merge, rate_limit) or the graph's (publish, subscribe). What
// makes them more than a pass-through is set by the DSL compiler on the node:
// NodeOptions (interleave_inputs, rate_limit) or edges (topics).
#pragma once

#include <utility>

#include "sluice/stage.hpp"

namespace sluice::builtins {

/// Emits every message as it came, in place (no copy, no move).
class PassThrough final : public Stage {
 public:
  void process(Message&& m, Emitter& out, Context&) override { out.emit(std::move(m)); }
};

/// A source with nothing to say: its outputs close at once.
class EmptySource final : public Source {
 public:
  SourceStatus produce(Emitter&, Context&, std::size_t) override { return SourceStatus::done; }
};

}  // namespace sluice::builtins
