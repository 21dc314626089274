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
  ports_[p].push_back(std::move(m));
}

}  // namespace v1
}  // namespace sluice
