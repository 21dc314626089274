// What a JetStream message's reply subject says about it: how often it has
// been delivered and its sequence in the stream, read in place.
//
//   if (auto a = nats::parse_ack_subject(natsMsg_GetReply(nm))) {
//     redelivered = a->delivered > 1;
//   }
//
// The server sends one of two forms (nats.c reads both):
//   $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<tm>.<pending>
//   $JS.ACK.<domain>.<account
//   hash>.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<tm>.<pending>[.<token>]
// natsMsg_GetMetaData does the same with an allocation per field, which cost
// a tenth of a worker's CPU; this allocates nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::builtins::nats {

struct AckSubject {
  std::uint64_t delivered{0};   ///< 1 on the first delivery
  std::uint64_t stream_seq{0};  ///< the message's sequence in its stream
};

/// The delivery count and stream sequence of `reply`; nullopt for anything
/// that is not an ack subject of either form (then ask nats.c).
[[nodiscard]] std::optional<AckSubject> parse_ack_subject(std::string_view reply) noexcept;

}  // namespace sluice::builtins::nats
