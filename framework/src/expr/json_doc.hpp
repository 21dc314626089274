// JsonDoc: the JSON fields of one message's payload during one evaluation, read lazily
// with simdjson's On-Demand API. The payload is opened (copied into a padded buffer and
// indexed) on the first JSON access only; each path then walks from the root and reads
// only what lies on its way. Objects and arrays come back as views of their raw text,
// strings without escapes as views of the buffer, so the common case does not allocate.
//
//   detail::JsonDoc doc(message.payload);
//   const detail::PathStep steps[] = {{"user"}, {"id"}};
//   Value id = doc.path(steps, ctx);  // .user.id, null when missing or not JSON
//
// What "not JSON" means: simdjson checks the whole text when it opens it (UTF-8, strings
// closed, no raw control characters in them), the brackets must balance and nothing but
// whitespace may follow the document; every value on the way to a field is then checked as
// it is read. A document malformed only where no path goes (`{"a": 1, "b": tru}`) still
// gives the fields it can read (`.a` is 1, `.b` is null). See docs/expressions.md.
//
// Thread-safety: one JsonDoc per evaluation, on one thread. It borrows its thread's
// simdjson parser and buffer, so the views it returns stay valid until it is destroyed.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "expr/value.hpp"

namespace sluice::expr::detail {

class EvalContext;

/// The most steps a path may take; the parser rejects a longer one.
inline constexpr std::size_t kMaxPathSteps = 1000;

/// One step of a JSON path: `.name` / `["name"]` or `[3]` (negative counts from the end).
struct PathStep {
  std::string key;
  std::int64_t index{0};
  bool is_index{false};
};

class JsonDoc {
 public:
  explicit JsonDoc(std::string_view payload) noexcept : payload_(payload) {}
  JsonDoc(const JsonDoc&) = delete;
  JsonDoc& operator=(const JsonDoc&) = delete;
  ~JsonDoc() {
    if (scratch_ != nullptr) release();
  }

  /// The value at `steps` from the root (none: the whole document); null when a step is
  /// missing or the payload is not JSON.
  [[nodiscard]] Value path(std::span<const PathStep> steps, EvalContext& ctx);

  // The operations on a Kind::json value (`raw` is its text, returned by this JsonDoc).

  /// Member `key` of the object `raw`; null when `raw` is an array or has no such member.
  [[nodiscard]] Value member(std::string_view raw, std::string_view key, EvalContext& ctx);
  /// Element `index` (negative counts from the end) of the array `raw`.
  [[nodiscard]] Value element(std::string_view raw, std::int64_t index, EvalContext& ctx);
  /// The number of members or elements of `raw`.
  [[nodiscard]] std::size_t size(std::string_view raw);
  /// True when the array `raw` has an element equal (`==`) to `needle`.
  [[nodiscard]] bool array_contains(std::string_view raw, const Value& needle, EvalContext& ctx);

 private:
  struct Scratch;  // the simdjson parser and the padded copy (json_doc.cpp)
  enum class State : std::uint8_t { closed, valid, invalid };

  static Scratch& thread_scratch();
  /// Opens the payload on first use; false when it is not JSON.
  bool ready();
  /// Starts (or rewinds) iterating `range`, the payload or a value's text inside the copy.
  bool start(std::string_view range);
  /// Notes whether the iteration can be rewound after an operation (not after most errors).
  void finish() noexcept;
  void release() noexcept;

  std::string_view payload_;
  Scratch* scratch_{nullptr};
  State state_{State::closed};
  bool owns_scratch_{false};  // a nested evaluation while this thread's scratch was taken
  bool escaped_{false};       // the payload has a backslash: compare keys once decoded
};

}  // namespace sluice::expr::detail
