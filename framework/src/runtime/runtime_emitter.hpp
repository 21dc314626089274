// The runtime's half of the Emitter: it hands a stage instance its input
// batch, so that messages passed on in place stay where they are, collects
// the output afterwards, and undoes what a failed attempt emitted. A stage
// sees only sluice::Emitter (stage.hpp); this class adds no data, so the two
// are one object with one layout on both sides of the plugin boundary.
//
//   RuntimeEmitter out(ports, &port_names);
//   out.begin_batch(in);
//   for (Message& m : in) {
//     out.set_current(&m);
//     stage.process(std::move(m), out, ctx);
//   }
//   out.end_batch();  // `in` comes back empty; port 0 holds what was passed on
#pragma once

#include <cstddef>
#include <vector>

#include "sluice/message.hpp"
#include "sluice/stage.hpp"

namespace sluice::detail {

class RuntimeEmitter final : public sluice::Emitter {
 public:
  using sluice::Emitter::Emitter;

  /// What has been emitted so far, to undo a failed attempt.
  struct Mark {
    std::size_t passed{0};  ///< port 0: handed over plus passed on in place
    std::vector<std::size_t> sizes;
  };
  [[nodiscard]] Mark mark() const;
  void rollback(const Mark& mark);
  /// How many messages are emitted so far, on every port (a cheap before /
  /// after test of whether a call emitted anything).
  [[nodiscard]] std::size_t emitted() const noexcept {
    std::size_t n = batch_ ? static_cast<std::size_t>(write_ - batch_->data()) : 0;
    for (std::size_t p = 0; p < names_->size(); ++p) n += ports_[p].size();
    return n;
  }

  /// The input batch whose messages may be passed on in place.
  void begin_batch(std::vector<Message>& batch) noexcept;
  /// The input being processed: emitting it passes it on in place.
  void set_current(Message* m) noexcept { current_ = m; }
  /// Where the next message passed on in place goes: one past the last.
  [[nodiscard]] Message* passed_end() const noexcept { return write_; }
  /// Lets go of the batch without handing it over (in a fused chain the
  /// last stage's emitter hands the shared batch over).
  void forget_batch() noexcept { batch_ = nullptr, current_ = write_ = nullptr; }
  /// Puts what was passed on in place into port 0, in emission order, and
  /// returns the batch's other messages (dropped or moved out) to the caller:
  /// `batch` comes back empty.
  void end_batch();
};

/// Inside the runtime an emitter is the whole one: code in sluice::detail
/// that names `Emitter` gets the batch control too.
using Emitter = RuntimeEmitter;

}  // namespace sluice::detail
