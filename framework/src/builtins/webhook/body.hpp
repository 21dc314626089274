// What the http_server source reads from a request: its body split into
// message payloads, and the trace id of a W3C `traceparent` header.
//
//   for (std::string_view line : webhook::split_body(req.body, /*lines=*/true)) ...
//   m.trace_id = webhook::trace_id_of(req.get_header_value("traceparent"));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::builtins::webhook {

/// The payloads of a body: the whole body, or with `lines` each line without
/// its "\n" or "\r\n" (empty lines skipped, as a trailing newline would make
/// one). Empty when the body has none: the request is answered 400.
[[nodiscard]] std::vector<std::string_view> split_body(std::string_view body, bool lines);

/// The trace id of a `traceparent` header ("00-<32 hex>-<16 hex>-<2 hex>"):
/// the low 53 bits of its trace-id, so that it stays exact as a JSON number
/// like the ids the runtime makes. 0 when the header is absent or malformed,
/// or its trace-id is all zeros (invalid in W3C Trace Context).
[[nodiscard]] std::uint64_t trace_id_of(std::string_view traceparent) noexcept;

/// `name` in lower case (ASCII): header names are case-insensitive.
[[nodiscard]] std::string lower(std::string_view name);

}  // namespace sluice::builtins::webhook
