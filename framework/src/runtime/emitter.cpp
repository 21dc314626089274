// The out-of-line half of the Emitter a stage sees (stage.hpp); the runtime's
// half is runtime_emitter.cpp.
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

}  // namespace v1
}  // namespace sluice
