// Sequencer: restores input order after the N instances of an `ordered`
// stage. Each instance takes a numbered batch of input (under intake()),
// processes it into batches of its own, and submits them under that number;
// the sequencer commits batches strictly in number order into one shared
// OutputBuffer, which whichever instance holds the lock flushes.
//
// Bounded: instances stop taking input while more than `limit` messages wait
// here, and are notified when the backlog shrinks.
//
// Thread-safety: all members may be called from any instance's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "runtime/output_buffer.hpp"

namespace sluice::detail {

class Sequencer {
 public:
  Sequencer(std::size_t ports, std::size_t limit, std::size_t instances);

  OutputBuffer& output() noexcept { return committed_; }  ///< for wiring, before the run
  /// Serialises taking input with numbering it.
  std::mutex& intake() noexcept { return intake_mu_; }
  /// The next batch number; call with intake() held.
  std::uint64_t next_ticket() noexcept { return next_ticket_++; }

  /// False when the backlog is at its limit; `self` is then notified later.
  bool has_room(Waker* self);
  /// Commits `batches` as number `ticket` (moved from) and flushes.
  OutputBuffer::FlushResult submit(std::uint64_t ticket, std::vector<std::vector<Message>>& batches,
                                   Waker* self);
  /// Flushes what is committed.
  OutputBuffer::FlushResult flush(Waker* self);
  /// An instance ends. Returns false when it is the last and output remains:
  /// it must flush (and park if blocked) before trying again.
  bool retire(Waker* self);
  /// Drops everything held (hard cancel): what is committed, what still
  /// waits for its turn and what an instance emitted but never submitted
  /// (`unsubmitted`, moved from) is abandoned on the edges
  /// (OutputBuffer::abandon_pending).
  OutputBuffer::FlushResult discard(std::vector<std::vector<Message>>& unsubmitted);

 private:
  OutputBuffer::FlushResult flush_locked(Waker* self);
  [[nodiscard]] std::size_t backlog_locked() const noexcept;

  std::mutex intake_mu_;
  std::uint64_t next_ticket_{0};

  std::mutex mu_;
  const std::size_t limit_;
  std::size_t live_;
  std::uint64_t next_commit_{0};
  std::map<std::uint64_t, std::vector<std::vector<Message>>> early_;
  std::size_t early_messages_{0};
  OutputBuffer committed_;
  std::vector<Waker*> waiting_;
};

}  // namespace sluice::detail
