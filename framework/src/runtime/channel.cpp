#include "runtime/channel.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

namespace sluice::detail {

Channel::Channel(std::size_t capacity, Overflow overflow)
    : capacity_(capacity),
      overflow_(overflow),
      wake_room_(std::max<std::size_t>(1, std::min<std::size_t>(capacity / 2, 256))),
      ring_(capacity) {
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

void Channel::enqueue_locked(Message&& m) {
  slot(size_) = std::move(m);
  ++size_;
  ++counters_.pushed;
  counters_.max_depth = std::max<std::uint64_t>(counters_.max_depth, size_);
}

Channel::PushResult Channel::push(Message* first, std::size_t n, bool copy, Waker* producer) {
  PushResult r;
  std::vector<Waker*> to_wake;
  {
    std::lock_guard lock(mu_);
    if (dead_) {
      counters_.offered += n;
      counters_.discarded += n;
      r.consumed = n;
      r.dead = true;
      return r;
    }
    assert(!closed_ && "push after the last producer closed");
    auto take = [&](std::size_t i) -> Message {
      return copy ? Message(first[i]) : std::move(first[i]);
    };
    std::size_t i = 0;
    switch (overflow_) {
      case Overflow::block:
        for (; i < n && size_ < capacity_; ++i) enqueue_locked(take(i));
        if (i < n) {
          r.full = true;
          producers_waiting_ = true;
          if (std::find(waiting_producers_.begin(), waiting_producers_.end(), producer) ==
              waiting_producers_.end()) {
            waiting_producers_.push_back(producer);
          }
        }
        break;
      case Overflow::drop_newest:
        for (; i < n; ++i) {
          if (size_ < capacity_) {
            enqueue_locked(take(i));
          } else {
            ++counters_.dropped_newest;
          }
        }
        break;
      case Overflow::drop_oldest:
        for (; i < n; ++i) {
          if (size_ == capacity_) {
            slot(0) = Message();
            head_ = (head_ + 1) % capacity_;
            --size_;
            ++counters_.dropped_oldest;
          }
          enqueue_locked(take(i));
        }
        break;
    }
    r.consumed = i;
    counters_.offered += i;
    if (i > 0 && consumers_waiting_) wake(consumers_, consumers_waiting_, to_wake);
  }
  for (Waker* w : to_wake) w->notify();
  return r;
}

Channel::PopResult Channel::pop(std::vector<Message>& out, std::size_t max, Waker* consumer) {
  PopResult r;
  std::vector<Waker*> to_wake;
  {
    std::lock_guard lock(mu_);
    const std::size_t n = std::min(max, size_);
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(std::move(slot(i)));  // the moved-from slot is reused as is
    }
    head_ = (head_ + n) % capacity_;
    size_ -= n;
    counters_.popped += n;
    r.count = n;
    if (n == 0) {
      if (closed_ || dead_) {
        r.end = true;
      } else {
        consumers_waiting_ = true;
        (void)consumer;  // every consumer is in consumers_ already
      }
    }
    if (producers_waiting_ && capacity_ - size_ >= wake_room_) {
      producers_waiting_ = false;
      to_wake.swap(waiting_producers_);
    }
  }
  for (Waker* w : to_wake) w->notify();
  return r;
}

void Channel::wake(std::vector<Waker*>& list, bool& flag, std::vector<Waker*>& to_wake) {
  flag = false;
  to_wake.insert(to_wake.end(), list.begin(), list.end());
}

void Channel::close_producer() {
  std::vector<Waker*> to_wake;
  {
    std::lock_guard lock(mu_);
    assert(open_producers_ > 0);
    if (--open_producers_ > 0) return;
    closed_ = true;
    to_wake = consumers_;
    consumers_waiting_ = false;
  }
  for (Waker* w : to_wake) w->notify();
}

void Channel::detach_consumer() {
  std::vector<Waker*> to_wake;
  {
    std::lock_guard lock(mu_);
    if (open_consumers_ == 0 || --open_consumers_ > 0) return;
    dead_ = true;
    counters_.abandoned += size_;
    for (std::size_t i = 0; i < size_; ++i) slot(i) = Message();
    size_ = 0;
    producers_waiting_ = false;
    to_wake.swap(waiting_producers_);
  }
  for (Waker* w : to_wake) w->notify();
}

ChannelCounters Channel::counters() const {
  std::lock_guard lock(mu_);
  ChannelCounters c = counters_;
  c.depth = size_;
  return c;
}

}  // namespace sluice::detail
