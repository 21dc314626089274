// While an AckAbandonScope is alive on a thread, every message reference
// released on that thread marks its handle `abandoned`, so that the source of
// a message a cancelled run discards hears "not finished" (and a NATS source
// naks it at once) rather than "ok".
//
//   {
//     const AckAbandonScope lost_here;
//     queue.clear();  // what a hard cancel drops
//   }
//
// The flag is thread-local and lives in ack.cpp, in the host, where every
// release runs (plugins' too). Scopes nest.
#pragma once

namespace sluice::detail {

class AckAbandonScope {
 public:
  AckAbandonScope() noexcept;
  ~AckAbandonScope();
  AckAbandonScope(const AckAbandonScope&) = delete;
  AckAbandonScope& operator=(const AckAbandonScope&) = delete;
};

}  // namespace sluice::detail
