// Runtime::tap / untap: a watcher of one output port, set on the channel of
// its first edge (channel.hpp), found by the labels Stats gives the edges.
#include <set>

#include "runtime/runtime.hpp"

namespace sluice::detail {

std::string Runtime::tap(std::string_view from, TapSink* sink) {
  if (sink == nullptr) return "no tap given";
  // Stats' edges are in the graph's (and channels_') order, labelled as
  // users see them in --stats-json.
  const Stats s = stats();
  std::set<std::string> outputs;
  bool fused = false;
  for (std::size_t i = 0; i < s.edges.size(); ++i) {
    const EdgeStats& e = s.edges[i];
    outputs.insert(e.from);
    if (e.from != from) continue;
    if (e.fused) {
      fused = true;
      continue;
    }
    if (!channels_[i]->set_tap(sink)) return "'" + std::string(from) + "' is tapped already";
    return {};
  }
  if (fused) {
    return "'" + std::string(from) +
           "' runs fused into the next stage: no edge to tap (run with --fuse never)";
  }
  std::string known;
  for (const std::string& o : outputs) known += (known.empty() ? "" : ", ") + o;
  return "no output '" + std::string(from) + "' with an edge; the outputs are " + known;
}

void Runtime::untap(TapSink* sink) {
  for (const auto& ch : channels_) ch->clear_tap(sink);
}

}  // namespace sluice::detail
