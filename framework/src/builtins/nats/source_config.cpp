#include "builtins/nats/source_config.hpp"

#include <stdexcept>

namespace sluice::builtins::nats {

SourceConfig::SourceConfig(const Options& o)
    : stream(o.get_string("stream")),
      subject(o.has("subject") ? o.get_string("subject") : std::string()),
      consumer(o.get_string("consumer")),
      retention(o.get_string("retention")),
      create(o.get_bool("create")),
      ack_wait(o.get_duration("ack_wait")),
      max_ack_pending(o.get_int("max_ack_pending")),
      max_inflight(o.get_int("max_inflight")),
      fetch_batch(o.get_int("fetch_batch")),
      max_deliver(o.get_int("max_deliver")),
      fetch_wait(o.get_duration("fetch_wait")),
      idle_stop(o.get_duration("stop_when_idle")) {
  if (o.has("dead_letter_subject")) dead_letter = o.get_string("dead_letter_subject");
  connect.url = o.get_string("url");
  connect.connect_timeout = o.get_duration("connect_timeout");
  // Pull requests go out at once, not when nats.c's flusher runs; acks go on
  // a second, buffered connection anyway.
  connect.send_asap = true;
  nak.initial_backoff = o.get_duration("nak_delay");
  nak.max_backoff = o.get_duration("nak_max_delay");
  nak.multiplier = o.get_double("nak_multiplier");
  nak.jitter = Jitter::equal;
  if (consumer.find_first_of(". *>") != std::string::npos) {
    throw std::invalid_argument("nats: consumer name '" + consumer +
                                "' must not contain '.', ' ', '*' or '>'");
  }
  if (nak.max_backoff < nak.initial_backoff) nak.max_backoff = nak.initial_backoff;
}

}  // namespace sluice::builtins::nats
