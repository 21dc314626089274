// The nats source's options, read once: connection, stream and consumer,
// credit, and how a failed message is redelivered.
//
//   nats::SourceConfig cfg(options);  // throws std::invalid_argument on a bad consumer name
//   tracker = std::make_shared<nats::Tracker>(ack_conn, cfg, ctx);
#pragma once

#include <cstdint>
#include <string>

#include "builtins/nats/connection.hpp"
#include "sluice/clock.hpp"
#include "sluice/options.hpp"
#include "sluice/resilience.hpp"

namespace sluice::builtins::nats {

struct SourceConfig {
  ConnectSettings connect;
  std::string stream, subject, consumer, retention;
  std::string dead_letter;  ///< subject for messages given up on; empty: +TERM only
  bool create{false};
  Nanos ack_wait{0};
  std::int64_t max_ack_pending{0}, max_inflight{0}, fetch_batch{0}, max_deliver{0};
  Nanos fetch_wait{0}, idle_stop{0};
  RetryPolicy nak;  ///< the delay before redelivery after attempt n failed

  /// From the options of the nats source's schema (nats_source.cpp).
  explicit SourceConfig(const Options& o);
};

}  // namespace sluice::builtins::nats
