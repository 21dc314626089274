// OutputBuffer: what a stage emitted but its edges have not taken yet, per
// port, with each edge's progress through the batch. A port with several
// edges (broadcast) hands each edge its own copy, so a `drop_*` edge never
// waits for a `block` edge that is full.
//
// Not thread-safe: owned by one instance, or guarded by a Sequencer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/channel.hpp"
#include "sluice/message.hpp"

namespace sluice::detail {

class OutputBuffer {
 public:
  explicit OutputBuffer(std::size_t ports);

  void add_edge(std::size_t port, Channel* channel);
  /// A port whose messages the stage has counted already (dead_letter,
  /// rejected): they are neither `delivered` nor `unconnected`.
  void set_side_port(std::size_t port) { side_.at(port) = true; }
  /// Marks the ports called dead_letter and rejected among `names`.
  void set_side_ports(const std::vector<std::string>& names);
  /// The per-port vectors an Emitter writes into (stable for this object's life).
  [[nodiscard]] std::vector<Message>* ports() noexcept { return bufs_.data(); }
  [[nodiscard]] std::size_t port_count() const noexcept { return bufs_.size(); }

  struct FlushResult {
    bool done{true};               ///< nothing left to hand over
    Channel* blocked_on{nullptr};  ///< a full `block` edge, when !done
    std::uint64_t delivered{0};    ///< messages every edge of their port took
    std::uint64_t unconnected{0};  ///< emitted on ports without edges: dropped
  };
  /// Hands what it can to the edges; a full edge records `self` as waiting.
  FlushResult flush(Waker* self);
  /// Appends batches emitted elsewhere (a Sequencer's in-order commits).
  void append(std::vector<std::vector<Message>>& batches);

  [[nodiscard]] std::size_t pending() const noexcept;
  /// How many more messages port 0 can hand over without waiting; with none,
  /// `self` is notified when a full edge frees room.
  std::size_t room(Waker* self);
  [[nodiscard]] bool empty() const noexcept { return pending() == 0; }
  /// True when every edge (and there is at least one) has lost its consumers.
  [[nodiscard]] bool all_dead() const noexcept;
  /// all_dead(), after looking at each edge's channel rather than waiting
  /// for a push to find it dead (a source with nothing to push).
  [[nodiscard]] bool all_dead_now() noexcept;
  /// At a cancel: drops everything pending. Each edge is offered the rest of
  /// its port's batch and abandons it, so every edge of a port was offered
  /// the same and the loss is counted where it happened; the stage counts
  /// those messages handed over (`delivered`), dead letters and rejections
  /// excepted (counted already).
  FlushResult abandon_pending() noexcept;
  /// The per-port batches themselves (handed to a Sequencer).
  [[nodiscard]] std::vector<std::vector<Message>>& batches() noexcept { return bufs_; }

 private:
  struct Out {
    Channel* channel;
    std::size_t pos{0};
    bool dead{false};
  };
  std::vector<std::vector<Message>> bufs_;
  std::vector<std::vector<Out>> edges_;
  std::vector<bool> side_;            ///< per port
  std::vector<std::size_t> counted_;  ///< per port: leading messages already counted delivered
};

}  // namespace sluice::detail
