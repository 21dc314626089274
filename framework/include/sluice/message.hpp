// Message: the unit that flows through a pipeline.
//
//   sluice::Message m;
//   m.payload = "hello";
//   m.attrs.set("tenant", "acme");
//
// Cheap to move (two short strings and a vector); copied only on broadcast.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/ack.hpp"

namespace sluice {
inline namespace v1 {

/// String attributes of a message. A flat vector: messages carry few attrs,
/// and a linear scan over a handful beats a hash map and allocates less.
class Attrs {
 public:
  /// The value of `name`, or nullptr when it is not set.
  [[nodiscard]] const std::string* find(std::string_view name) const noexcept {
    for (const auto& [k, v] : items_) {
      if (k == name) return &v;
    }
    return nullptr;
  }
  void set(std::string_view name, std::string value) {
    for (auto& [k, v] : items_) {
      if (k == name) {
        v = std::move(value);
        return;
      }
    }
    items_.emplace_back(std::string(name), std::move(value));
  }
  bool erase(std::string_view name) noexcept {
    for (auto it = items_.begin(); it != items_.end(); ++it) {
      if (it->first == name) {
        items_.erase(it);
        return true;
      }
    }
    return false;
  }
  [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
  [[nodiscard]] auto begin() const noexcept { return items_.begin(); }
  [[nodiscard]] auto end() const noexcept { return items_.end(); }
  bool operator==(const Attrs&) const = default;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct Message {
  std::string payload;       ///< bytes: usually one text line or one JSON document
  std::string key;           ///< routing / grouping key
  std::int32_t priority{0};  ///< 0 = highest lane
  std::uint64_t seq{0};      ///< sequence number given by the source
  std::uint64_t trace_id{0};
  std::int64_t ingest_ns{0};  ///< Clock time at which the source produced it
  /// Clock time past which no stage takes it (it is counted expired); 0: none.
  /// Stamped by the runtime for a source with a `deadline`.
  std::int64_t deadline_ns{0};
  std::int64_t value{0};  ///< a free 64-bit slot for numeric stages and benchmarks
  Attrs attrs;
  /// The source's acknowledgement, shared by every copy (ack.hpp); null when
  /// the source asked for none.
  AckRef ack;

  bool operator==(const Message&) const = default;
};

}  // namespace v1
}  // namespace sluice
