#include "runtime/channel.hpp"

#include <algorithm>
#include <cassert>
#include <iterator>
#include <limits>
#include <utility>

#include "runtime/ack_abandon_scope.hpp"

namespace sluice::detail {
namespace {

/// Emptied batch vectors kept for reuse; enough for a producer and a
/// consumer to swap without allocating.
constexpr std::size_t kSpareBatches = 4;

/// Tells the sources of batch[from, from + n) that those messages were lost
/// (ack.hpp); costs a null test per message when nobody asked.
void fail_acks(const std::vector<Message>& batch, std::size_t from, std::size_t n,
               AckOutcome outcome) noexcept {
  for (std::size_t i = from; i < from + n; ++i) batch[i].ack.fail(outcome);
}

}  // namespace

Channel::Channel(std::size_t capacity, Overflow overflow)
    : capacity_(capacity),
      overflow_(overflow),
      wake_room_(std::max<std::size_t>(1, std::min<std::size_t>(capacity / 2, 256))) {
  assert(capacity_ >= 1);
}

void Channel::add_producer() noexcept {
  std::lock_guard lock(mu_);
  ++open_producers_;
}

void Channel::add_consumer(Waker* consumer) {
  std::lock_guard lock(mu_);
  ++open_consumers_;
  consumers_.push_back(consumer);
}

std::vector<Message> Channel::spare_locked() {
  if (spare_.empty()) return {};
  std::vector<Message> v = std::move(spare_.back());
  spare_.pop_back();
  return v;
}

void Channel::recycle_locked(std::vector<Message>&& v) {
  v.clear();
  if (spare_.size() < kSpareBatches && v.capacity() > 0) spare_.push_back(std::move(v));
}

void Channel::note_depth_locked() noexcept {
  counters_.max_depth = std::max<std::uint64_t>(counters_.max_depth, size_);
}

void Channel::append_locked(std::vector<Message>& batch, std::size_t from, std::size_t n,
                            bool copy) {
  if (n == 0) return;
  // Nobody taps: one test of a pointer this lock guards anyway.
  if (tap_ != nullptr) [[unlikely]] {
    tap_->offer(std::span<const Message>(batch.data() + from, n));
  }
  counters_.pushed += n;
  size_ += n;
  if (from == 0 && n == batch.size() && !copy) {
    queue_.push_back(std::move(batch));
    batch = spare_locked();
    return;
  }
  std::vector<Message> part = spare_locked();
  part.reserve(n);
  const auto first = batch.begin() + static_cast<std::ptrdiff_t>(from);
  const auto last = first + static_cast<std::ptrdiff_t>(n);
  if (copy) {
    part.insert(part.end(), first, last);
  } else {
    part.insert(part.end(), std::make_move_iterator(first), std::make_move_iterator(last));
  }
  queue_.push_back(std::move(part));
}

void Channel::evict_locked(std::size_t n) {
  while (n > 0) {
    auto& front = queue_.front();
    const std::size_t take = std::min(n, front.size() - front_pos_);
    fail_acks(front, front_pos_, take, AckOutcome::failed);
    for (std::size_t i = 0; i < take; ++i) front[front_pos_ + i] = Message();
    front_pos_ += take;
    size_ -= take;
    n -= take;
    counters_.dropped_oldest += take;
    if (front_pos_ == front.size()) {
      recycle_locked(std::move(front));
      queue_.pop_front();
      front_pos_ = 0;
    }
  }
}

bool Channel::set_tap(TapSink* tap) {
  std::lock_guard lock(mu_);
  if (tap_ != nullptr) return false;
  tap_ = tap;
  return true;
}

void Channel::clear_tap(const TapSink* tap) {
  std::lock_guard lock(mu_);
  if (tap_ == tap) tap_ = nullptr;
}

Channel::PushResult Channel::push(std::vector<Message>& batch, std::size_t from, bool copy,
                                  Waker* producer) {
  PushResult r;
  const std::size_t n = batch.size() - from;
  std::vector<Waker*> to_wake;
  bool shared = false;
  {
    std::lock_guard lock(mu_);
    if (dead_) {
      fail_acks(batch, from, n, AckOutcome::abandoned);
      counters_.offered += n;
      counters_.discarded += n;
      r.consumed = n;
      r.dead = true;
      return r;
    }
    assert(!closed_ && "push after the last producer closed");
    const std::size_t room = capacity_ - size_;
    switch (overflow_) {
      case Overflow::block: {
        const std::size_t take = std::min(n, room);
        append_locked(batch, from, take, copy);
        r.consumed = take;
        if (take < n) {
          r.full = true;
          producers_waiting_ = true;
          if (std::find(waiting_producers_.begin(), waiting_producers_.end(), producer) ==
              waiting_producers_.end()) {
            waiting_producers_.push_back(producer);
          }
        }
        break;
      }
      case Overflow::drop_newest: {
        const std::size_t take = std::min(n, room);
        counters_.dropped_newest += n - take;
        fail_acks(batch, from + take, n - take, AckOutcome::failed);
        append_locked(batch, from, take, copy);
        r.consumed = n;
        break;
      }
      case Overflow::drop_oldest: {
        // Of a batch larger than the whole queue only the newest part can stay.
        const std::size_t skip = n > capacity_ ? n - capacity_ : 0;
        counters_.dropped_oldest += skip;
        fail_acks(batch, from, skip, AckOutcome::failed);
        const std::size_t keep = n - skip;
        if (keep > room) evict_locked(keep - room);
        append_locked(batch, from + skip, keep, copy);
        r.consumed = n;
        break;
      }
    }
    counters_.offered += r.consumed;
    note_depth_locked();
    if (r.consumed > 0) wake_one_consumer_locked(to_wake);
    shared = open_consumers_ > 1;
  }
  // A worker of a pool gains more from an idle thread than from this
  // thread's cache; a lone consumer (a chain) runs next here.
  for (Waker* w : to_wake) shared ? w->notify_anywhere() : w->notify();
  return r;
}

Channel::PopResult Channel::pop(std::vector<Message>& out, std::size_t max, Waker* consumer,
                                Fill fill, bool fair_share) {
  PopResult r;
  std::vector<Waker*> to_wake;
  {
    std::lock_guard lock(mu_);
    if (fair_share && open_consumers_ > 1) {
      // The instances of one stage share this queue: none takes more than
      // its share of what waits, so a burst keeps all of them busy.
      max = std::min(max, (size_ + open_consumers_ - 1) / open_consumers_);
    }
    while (r.count < max && !queue_.empty()) {
      auto& front = queue_.front();
      const std::size_t avail = front.size() - front_pos_;
      if (front_pos_ == 0 && out.empty() && avail <= max) {
        out.swap(front);  // the whole batch, O(1)
        recycle_locked(std::move(front));
        queue_.pop_front();
        r.count = avail;
        if (fill == Fill::batch) break;
        continue;
      }
      const std::size_t take = std::min(avail, max - r.count);
      const auto first = front.begin() + static_cast<std::ptrdiff_t>(front_pos_);
      out.insert(out.end(), std::make_move_iterator(first),
                 std::make_move_iterator(first + static_cast<std::ptrdiff_t>(take)));
      front_pos_ += take;
      r.count += take;
      if (front_pos_ == front.size()) {
        recycle_locked(std::move(front));
        queue_.pop_front();
        front_pos_ = 0;
      }
    }
    size_ -= r.count;
    counters_.popped += r.count;
    if (r.count == 0) {
      if (closed_ || dead_) {
        r.end = true;
      } else if (consumer != nullptr &&
                 std::find(waiting_consumers_.begin(), waiting_consumers_.end(), consumer) ==
                     waiting_consumers_.end()) {
        waiting_consumers_.push_back(consumer);
      }
    } else if (size_ > 0) {
      wake_one_consumer_locked(to_wake);  // what it left is another's share
    }
    if (producers_waiting_ && capacity_ - size_ >= wake_room_) {
      producers_waiting_ = false;
      to_wake.swap(waiting_producers_);
    }
  }
  // Both are work of their own (a share, room), not what this consumer made.
  for (Waker* w : to_wake) w->notify_anywhere();
  return r;
}

std::size_t Channel::room(Waker* producer) {
  std::lock_guard lock(mu_);
  if (overflow_ != Overflow::block || dead_) return std::numeric_limits<std::size_t>::max();
  if (size_ < capacity_) return capacity_ - size_;
  producers_waiting_ = true;
  if (std::find(waiting_producers_.begin(), waiting_producers_.end(), producer) ==
      waiting_producers_.end()) {
    waiting_producers_.push_back(producer);
  }
  return 0;
}

void Channel::close_producer() {
  std::vector<Waker*> to_wake;
  {
    std::lock_guard lock(mu_);
    assert(open_producers_ > 0);
    if (--open_producers_ > 0) return;
    closed_ = true;
    to_wake = consumers_;
    waiting_consumers_.clear();
  }
  for (Waker* w : to_wake) w->notify();
}

void Channel::abandon_unpushed(std::size_t n) noexcept {
  std::lock_guard lock(mu_);
  counters_.offered += n;
  counters_.abandoned += n;
}

void Channel::detach_consumer() {
  std::vector<Waker*> to_wake;
  {
    std::lock_guard lock(mu_);
    if (open_consumers_ == 0) return;
    if (--open_consumers_ > 0) {
      // It may have been the one woken for what is queued, and the others
      // need not be waiting on this queue (one parked on a full output that
      // just died): every one still here looks again. Rare: once per consumer.
      if (size_ > 0) {
        to_wake = consumers_;
        waiting_consumers_.clear();
      }
    } else {
      dead_ = true;
      gone_.store(true, std::memory_order_release);
      counters_.abandoned += size_;
      const AckAbandonScope lost_here;  // their sources are told (ack.hpp)
      queue_.clear();
      front_pos_ = 0;
      size_ = 0;
      producers_waiting_ = false;
      to_wake.swap(waiting_producers_);
    }
  }
  for (Waker* w : to_wake) w->notify();
}

void Channel::wake_one_consumer_locked(std::vector<Waker*>& to_wake) {
  if (waiting_consumers_.empty()) return;
  to_wake.push_back(waiting_consumers_.back());
  waiting_consumers_.pop_back();
}

ChannelCounters Channel::counters() const {
  std::lock_guard lock(mu_);
  ChannelCounters c = counters_;
  c.depth = size_;
  return c;
}

}  // namespace sluice::detail
