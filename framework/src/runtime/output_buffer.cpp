#include "runtime/output_buffer.hpp"

#include <algorithm>
#include <iterator>
#include <limits>

namespace sluice::detail {

OutputBuffer::OutputBuffer(std::size_t ports)
    : bufs_(ports), edges_(ports), side_(ports, false), counted_(ports, 0) {}

void OutputBuffer::set_side_ports(const std::vector<std::string>& names) {
  for (std::size_t p = 0; p < names.size() && p < side_.size(); ++p) {
    if (names[p] == "dead_letter" || names[p] == "rejected") side_[p] = true;
  }
}

void OutputBuffer::add_edge(std::size_t port, Channel* channel) {
  edges_.at(port).push_back(Out{channel});
}

OutputBuffer::FlushResult OutputBuffer::flush(Waker* self) {
  FlushResult r;
  FlushResult side;  // what the side port hands over is not counted again
  for (std::size_t p = 0; p < bufs_.size(); ++p) {
    auto& buf = bufs_[p];
    if (buf.empty()) continue;
    auto& outs = edges_[p];
    FlushResult& count = side_[p] ? side : r;
    if (outs.empty()) {
      // A dead letter nobody takes is lost: its source tries again later (ack.hpp).
      if (side_[p]) {
        for (const Message& m : buf) m.ack.fail(AckOutcome::failed);
      }
      count.unconnected += buf.size();
      buf.clear();
      continue;
    }
    bool port_done = true;
    for (std::size_t e = 0; e < outs.size(); ++e) {
      Out& out = outs[e];
      if (out.pos >= buf.size()) continue;
      // Move only when no other edge still needs these messages.
      bool shared = false;
      for (std::size_t j = 0; j < outs.size(); ++j) {
        if (j != e && outs[j].pos < buf.size()) shared = true;
      }
      const std::size_t size = buf.size();
      auto res = out.channel->push(buf, out.pos, shared, self);
      if (buf.empty()) {  // moved whole into the channel
        count.delivered += size;
        out.pos = 0;
        break;  // the only edge that needed it
      }
      out.pos += res.consumed;
      if (res.dead) out.dead = true;
      if (out.pos < buf.size()) {
        port_done = false;
        if (res.full && r.blocked_on == nullptr) r.blocked_on = out.channel;
      }
    }
    // A message counts as delivered once every edge of its port has it.
    std::size_t& counted = counted_[p];
    if (port_done) {
      count.delivered += buf.size() - counted;
      buf.clear();
      for (Out& out : outs) out.pos = 0;
      counted = 0;
    } else {
      std::size_t least = buf.size();
      for (const Out& out : outs) least = std::min(least, out.pos);
      count.delivered += least - counted;
      counted = least;
      r.done = false;
    }
  }
  (void)side;
  return r;
}

void OutputBuffer::append(std::vector<std::vector<Message>>& batches) {
  for (std::size_t p = 0; p < batches.size() && p < bufs_.size(); ++p) {
    auto& src = batches[p];
    if (src.empty()) continue;
    auto& dst = bufs_[p];
    if (dst.empty()) {
      dst.swap(src);
    } else {
      dst.insert(dst.end(), std::make_move_iterator(src.begin()),
                 std::make_move_iterator(src.end()));
    }
    src.clear();
  }
}

std::size_t OutputBuffer::pending() const noexcept {
  std::size_t n = 0;
  for (std::size_t p = 0; p < bufs_.size(); ++p) {
    std::size_t least = bufs_[p].size();
    for (const Out& out : edges_[p]) least = std::min(least, out.pos);
    n += bufs_[p].size() - (edges_[p].empty() ? 0 : least);
  }
  return n;
}

std::size_t OutputBuffer::room(Waker* self) {
  std::size_t least = std::numeric_limits<std::size_t>::max();
  if (edges_.empty()) return least;
  for (const Out& out : edges_[0]) least = std::min(least, out.channel->room(self));
  const std::size_t waiting = bufs_[0].size();
  return least > waiting ? least - waiting : 0;
}

bool OutputBuffer::all_dead() const noexcept {
  bool any = false;
  for (const auto& outs : edges_) {
    for (const Out& out : outs) {
      if (!out.dead) return false;
      any = true;
    }
  }
  return any;
}

bool OutputBuffer::all_dead_now() noexcept {
  for (auto& outs : edges_) {
    for (Out& out : outs) out.dead = out.dead || out.channel->consumers_gone();
  }
  return all_dead();
}

OutputBuffer::FlushResult OutputBuffer::abandon_pending() noexcept {
  FlushResult r;
  for (std::size_t p = 0; p < bufs_.size(); ++p) {
    auto& buf = bufs_[p];
    if (!buf.empty() && edges_[p].empty() && !side_[p]) r.unconnected += buf.size();
    if (!buf.empty() && !edges_[p].empty()) {
      for (const Out& out : edges_[p]) {
        if (out.pos < buf.size()) out.channel->abandon_unpushed(buf.size() - out.pos);
      }
      if (!side_[p]) r.delivered += buf.size() - counted_[p];
    }
    buf.clear();
    for (Out& out : edges_[p]) out.pos = 0;
    counted_[p] = 0;
  }
  return r;
}

}  // namespace sluice::detail
