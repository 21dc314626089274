// EvalContext: the per-evaluation state of one Expression or Template run over one
// message: the message itself, the cached validity of its JSON payload, and an arena for
// the few values that must own memory (lower(), concatenation, split()). The arena starts
// empty, so an evaluation that needs no owned values never allocates.
//
//   detail::EvalContext ctx(message);
//   Value v = root.eval(ctx);
#pragma once

#include <cstdint>
#include <forward_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "expr/json_scan.hpp"
#include "expr/value.hpp"
#include "sluice/message.hpp"

namespace sluice::expr::detail {

class EvalContext {
 public:
  explicit EvalContext(const Message& m) noexcept : message_(m) {}
  EvalContext(const EvalContext&) = delete;
  EvalContext& operator=(const EvalContext&) = delete;

  [[nodiscard]] const Message& message() const noexcept { return message_; }

  /// True when the payload is one well-formed JSON document; checked once per evaluation.
  [[nodiscard]] bool payload_is_json() noexcept {
    if (json_state_ == JsonState::unknown) {
      json_state_ = json_valid(message_.payload) ? JsonState::valid : JsonState::invalid;
    }
    return json_state_ == JsonState::valid;
  }

  /// Keeps `s` alive until the evaluation ends and returns a view of it.
  std::string_view keep(std::string s) {
    strings_.push_front(std::move(s));
    return strings_.front();
  }
  std::span<const Value> keep(std::vector<Value> v) {
    lists_.push_front(std::move(v));
    return lists_.front();
  }

 private:
  enum class JsonState : std::uint8_t { unknown, valid, invalid };

  const Message& message_;
  JsonState json_state_{JsonState::unknown};
  std::forward_list<std::string> strings_;
  std::forward_list<std::vector<Value>> lists_;
};

/// Converts the raw text of a JSON value of the payload into a Value.
[[nodiscard]] Value json_to_value(std::string_view raw, EvalContext& ctx);

}  // namespace sluice::expr::detail
