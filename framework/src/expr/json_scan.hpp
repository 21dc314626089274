// A lazy, allocation-free scanner over JSON text: the payload is validated once per
// evaluation, and each path step then scans only as far as it needs. Values are returned
// as views of their raw text.
//
//   if (detail::json_valid(payload)) {
//     auto user = detail::json_member(payload, "user");      // raw text of .user
//     auto first = detail::json_element(*user_items, 0);     // raw text of [0]
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::expr::detail {

/// Deeper nesting than this is treated as malformed (bounds the scanner's recursion).
inline constexpr int kMaxJsonDepth = 256;

/// True when `text` is exactly one well-formed JSON value, whitespace around it allowed.
[[nodiscard]] bool json_valid(std::string_view text) noexcept;

/// The raw text of member `key` of the JSON object `raw`; nullopt when `raw` is not an
/// object or has no such member. `raw` must be well-formed.
[[nodiscard]] std::optional<std::string_view> json_member(std::string_view raw,
                                                          std::string_view key);

/// The raw text of element `index` (negative counts from the end) of the JSON array `raw`.
[[nodiscard]] std::optional<std::string_view> json_element(std::string_view raw,
                                                           std::int64_t index) noexcept;

/// The number of members or elements of the object or array `raw` (0 for scalars).
[[nodiscard]] std::size_t json_size(std::string_view raw) noexcept;

/// Decodes the body of a JSON string (the text between the quotes), appending to `out`.
/// Returns false on a malformed escape.
bool json_unescape(std::string_view body, std::string& out);

}  // namespace sluice::expr::detail
