// EvalContext: the per-evaluation state of one Expression or Template run over one
// message: the message itself, its JSON payload opened at most once, the time now() gives,
// and an arena for the few values that must own memory (lower(), concatenation, split()).
// The arena starts empty, so an evaluation that needs no owned values never allocates.
//
//   detail::EvalContext ctx(message);
//   Value v = root.eval(ctx);
#pragma once

#include <chrono>
#include <forward_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "expr/json_doc.hpp"
#include "expr/value.hpp"
#include "sluice/message.hpp"

namespace sluice::expr::detail {

class EvalContext {
 public:
  explicit EvalContext(const Message& m) noexcept : message_(m), json_(m.payload) {}
  EvalContext(const EvalContext&) = delete;
  EvalContext& operator=(const EvalContext&) = delete;

  [[nodiscard]] const Message& message() const noexcept { return message_; }

  /// The payload's JSON fields; every path of the evaluation shares one opening.
  [[nodiscard]] JsonDoc& json() noexcept { return json_; }

  /// now(): the system clock (UTC seconds since the Unix epoch), read once per evaluation,
  /// so that every now() of one expression or template gives the same time.
  [[nodiscard]] double now_seconds() noexcept {
    if (!now_) {
      const auto since = std::chrono::system_clock::now().time_since_epoch();
      now_ = std::chrono::duration<double>(since).count();
    }
    return *now_;
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
  const Message& message_;
  JsonDoc json_;
  std::optional<double> now_;
  std::forward_list<std::string> strings_;
  std::forward_list<std::vector<Value>> lists_;
};

}  // namespace sluice::expr::detail
