#include "runtime/runtime_emitter.hpp"

namespace sluice::detail {

RuntimeEmitter::Mark RuntimeEmitter::mark() const {
  Mark m;
  if (names_->empty()) return m;  // a sink without failure ports
  const std::size_t in_place = batch_ ? static_cast<std::size_t>(write_ - batch_->data()) : 0;
  m.passed = ports_[0].size() + in_place;
  m.sizes.reserve(names_->size());
  for (std::size_t p = 0; p < names_->size(); ++p) m.sizes.push_back(ports_[p].size());
  return m;
}

void RuntimeEmitter::rollback(const Mark& mark) {
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

void RuntimeEmitter::begin_batch(std::vector<Message>& batch) noexcept {
  batch_ = &batch;
  write_ = batch.data();
  current_ = nullptr;
}

void RuntimeEmitter::end_batch() {
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

}  // namespace sluice::detail
