// TapSink: copies of the messages leaving a stage's output port, for a
// watcher (`sluice tap`) that must never hold the pipeline up.
//
//   struct Printer : sluice::TapSink {
//     void offer(std::span<const sluice::Message> m) noexcept override { /* copy a few */ }
//   };
//   Printer p;
//   if (auto err = pipeline.tap("parse.errors", &p); !err.empty()) ...;
//   ...
//   pipeline.untap(&p);   // after it returns, offer() is not called again
//
// Thread-safety: offer() is called on pipeline threads, under the lock of the
// edge it taps: it must take no lock a pipeline thread could wait for, and
// should give up (drop its copies) rather than wait.
#pragma once

#include <span>

#include "sluice/message.hpp"

namespace sluice {
inline namespace v1 {

class TapSink {
 public:
  virtual ~TapSink() = default;
  /// Messages the tapped edge has just accepted (still owned by the edge).
  virtual void offer(std::span<const Message> messages) noexcept = 0;
};

}  // namespace v1
}  // namespace sluice
