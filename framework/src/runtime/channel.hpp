// Channel: a bounded MPMC queue of messages between stage instances, counted
// in messages, moved in batches, with the overflow policy of its edge.
//
// Batches travel whole: a producer's batch vector is moved in and a
// consumer swaps it out, and the emptied vectors circulate back through a
// small spare pool, so a hop costs O(1) per batch, not a move per message.
//
// Nobody waits on a channel. A push that finds it full (policy `block`)
// returns early and records the producer as waiting; a pop that finds it
// empty records the consumer. The other side notifies them later: producers
// once at least `wake_room` slots are free (hysteresis, so a full channel does
// not ping-pong one message at a time), a waiting consumer as soon as data
// arrives, and the next one when a consumer leaves messages behind.
// End of stream is a flag, not an item: it is never dropped and never waits
// behind a full queue.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "runtime/waker.hpp"
#include "sluice/graph.hpp"
#include "sluice/message.hpp"
#include "sluice/tap.hpp"

namespace sluice::detail {

struct ChannelCounters {
  std::uint64_t offered{0};  ///< messages producers tried to push
  std::uint64_t pushed{0};   ///< accepted into the queue
  std::uint64_t popped{0};   ///< taken by consumers
  std::uint64_t dropped_newest{0};
  std::uint64_t dropped_oldest{0};
  std::uint64_t discarded{0};  ///< pushed after every consumer had stopped
  std::uint64_t abandoned{0};  ///< still queued when every consumer stopped
  std::uint64_t depth{0};
  std::uint64_t max_depth{0};
};

class Channel {
 public:
  Channel(std::size_t capacity, Overflow overflow);
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  /// Registers one producer (each must call close_producer once) or consumer.
  void add_producer() noexcept;
  void add_consumer(Waker* consumer);

  struct PushResult {
    std::size_t consumed{0};  ///< messages taken from the range (queued or dropped)
    bool full{false};         ///< `block` and out of room: the producer is now waiting
    bool dead{false};         ///< every consumer stopped: nothing will be read again
  };
  /// Offers batch[from..]: moves them, or copies them when `copy` (a
  /// broadcast port shares its batch among several edges). When it takes the
  /// whole batch by moving, `batch` comes back empty (a recycled vector).
  PushResult push(std::vector<Message>& batch, std::size_t from, bool copy, Waker* producer);

  struct PopResult {
    std::size_t count{0};  ///< messages now in `out`
    bool end{false};       ///< closed and drained: nothing more will come
  };
  /// How much of the queue one pop may take.
  enum class Fill {
    batch,  ///< one queued batch at most: handed over whole when it fits, O(1)
    count,  ///< as many queued batches as it takes to reach `max`, so that an
            ///< input of many small batches gives as much as one of large ones
  };
  /// Fills the empty vector `out` with up to `max` messages. With none to
  /// give and the channel still open, `consumer` is recorded to be notified.
  /// `fair_share`: with several consumers, no more than a fair share of
  /// what is queued (a stage whose batches are cut by cost: a burst of slow
  /// messages keeps every instance busy; for a cheap stage the smaller takes
  /// only cost turns, 4-5% on a 1 us fan-out).
  PopResult pop(std::vector<Message>& out, std::size_t max, Waker* consumer,
                Fill fill = Fill::batch, bool fair_share = false);

  /// Messages it can take now without a `block` producer waiting (a drop
  /// policy never waits: unlimited). With none, `producer` is recorded to be
  /// notified when room frees up.
  std::size_t room(Waker* producer);

  /// A producer is done; after the last one the channel ends (once drained).
  void close_producer();
  /// A consumer stops reading; after the last one, the queue is abandoned and
  /// producers are told the channel is dead.
  void detach_consumer();
  /// A producer cancelled with `n` messages it never pushed here: they count
  /// as offered to this edge and abandoned on it (its sources are told by the
  /// producer's abandon scope).
  void abandon_unpushed(std::size_t n) noexcept;
  /// Every consumer has detached: what is pushed now is discarded. Read
  /// without the lock by a producer that has nothing to push (a source
  /// waiting for input), so that it stops without waiting for data.
  [[nodiscard]] bool consumers_gone() const noexcept {
    return gone_.load(std::memory_order_acquire);
  }

  /// Hands `tap` what this edge accepts from now on; false when another tap
  /// has it already.
  bool set_tap(TapSink* tap);
  /// Ends `tap`'s tap of this edge, if it has one: under the edge's lock, so
  /// that once it returns `tap` is not called again.
  void clear_tap(const TapSink* tap);

  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] Overflow overflow() const noexcept { return overflow_; }
  [[nodiscard]] ChannelCounters counters() const;
  void add_blocked_ns(std::int64_t ns) noexcept {
    blocked_ns_.fetch_add(ns, std::memory_order_relaxed);
  }
  [[nodiscard]] std::int64_t blocked_ns() const noexcept {
    return blocked_ns_.load(std::memory_order_relaxed);
  }

 private:
  std::vector<Message> spare_locked();
  void recycle_locked(std::vector<Message>&& v);
  /// Appends n messages of batch from `from` as one queued batch.
  void append_locked(std::vector<Message>& batch, std::size_t from, std::size_t n, bool copy);
  /// Drops the n oldest queued messages.
  void evict_locked(std::size_t n);
  void note_depth_locked() noexcept;
  /// Moves one waiting consumer to `to_wake`. One, not all: the instances of
  /// a stage share this queue, and a consumer that leaves messages behind
  /// wakes the next (pop), so a burst still reaches every one of them
  /// without a push waking them all to find one batch.
  void wake_one_consumer_locked(std::vector<Waker*>& to_wake);

  const std::size_t capacity_;
  const Overflow overflow_;
  const std::size_t wake_room_;

  mutable std::mutex mu_;
  std::deque<std::vector<Message>> queue_;
  std::size_t front_pos_{0};  ///< messages of queue_.front() already taken
  std::size_t size_{0};       ///< messages queued
  std::vector<std::vector<Message>> spare_;
  std::size_t open_producers_{0};
  std::size_t open_consumers_{0};
  bool closed_{false};
  bool dead_{false};
  bool producers_waiting_{false};
  std::vector<Waker*> consumers_;
  std::vector<Waker*> waiting_consumers_;  ///< found it empty; not told since
  std::vector<Waker*> waiting_producers_;
  ChannelCounters counters_;
  std::atomic<std::int64_t> blocked_ns_{0};
  std::atomic<bool> gone_{false};  ///< dead_, for readers without the lock
  TapSink* tap_{nullptr};          ///< a watcher of what is accepted (under mu_)
};

}  // namespace sluice::detail
