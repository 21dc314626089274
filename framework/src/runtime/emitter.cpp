#include <algorithm>
#include <stdexcept>
#include <string>

#include "sluice/stage.hpp"

namespace sluice {
inline namespace v1 {

std::size_t Emitter::port(std::string_view name) const noexcept {
  const auto it = std::find(names_->begin(), names_->end(), name);
  return it == names_->end() ? kNoPort : static_cast<std::size_t>(it - names_->begin());
}

void Emitter::emit(std::string_view port_name, Message&& m) {
  const std::size_t p = port(port_name);
  if (p == kNoPort) throw std::invalid_argument("no output port '" + std::string(port_name) + "'");
  emit(p, std::move(m));
}

Emitter::Mark Emitter::mark() const {
  Mark m;
  if (names_->empty()) return m;  // a sink without failure ports
  const std::size_t in_place = batch_ ? static_cast<std::size_t>(write_ - batch_->data()) : 0;
  m.passed = ports_[0].size() + in_place;
  m.sizes.reserve(names_->size());
  for (std::size_t p = 0; p < names_->size(); ++p) m.sizes.push_back(ports_[p].size());
  return m;
}

void Emitter::rollback(const Mark& mark) {
  current_ = nullptr;
  if (names_->empty()) return;
  // Port 0 reads as its vector followed by what was passed on in place.
  auto& out = ports_[0];
  if (mark.passed <= out.size()) {
    out.resize(mark.passed);
    if (batch_) write_ = batch_->data();
  } else if (batch_) {
    write_ = batch_->data() + (mark.passed - out.size());
  }
  for (std::size_t p = 1; p < mark.sizes.size(); ++p) {
    if (ports_[p].size() > mark.sizes[p]) ports_[p].resize(mark.sizes[p]);
  }
}

void Emitter::begin_batch(std::vector<Message>& batch) noexcept {
  batch_ = &batch;
  write_ = batch.data();
  current_ = nullptr;
}

void Emitter::move_down() { *write_ = std::move(*current_); }

void Emitter::hand_over_passed() {
  auto& out = ports_[0];
  for (Message* p = batch_->data(); p != write_; ++p) out.push_back(std::move(*p));
  write_ = batch_->data();
}

void Emitter::emit_moved(std::size_t port, Message&& m) {
  // Keep emission order: what was passed on in place so far goes first.
  if (port == 0 && batch_ != nullptr && write_ != batch_->data()) hand_over_passed();
  ports_[port].push_back(std::move(m));
}

void Emitter::end_batch() {
  if (batch_ == nullptr) return;
  auto& batch = *batch_;
  const auto passed = static_cast<std::size_t>(write_ - batch.data());
  auto& out = ports_[0];
  if (out.empty()) {
    batch.resize(passed);
    out.swap(batch);  // the input batch is the output batch: no message moved
  } else {
    for (std::size_t i = 0; i < passed; ++i) out.push_back(std::move(batch[i]));
  }
  batch.clear();
  batch_ = nullptr;
  current_ = write_ = nullptr;
}

}  // namespace v1
}  // namespace sluice
