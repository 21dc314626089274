// rate_limit: a token bucket as a node. The stage itself passes messages
// through; the DSL compiler gives the node a RateLimiter
// (NodeOptions::rate_limit) built from `limiter` (a shared [limiters.NAME]) or
// from its own rate / per / burst / mode / max_wait, and the runtime admits
// each message on a token: `delay` parks the stage on a timer until the token
// is due, `drop` drops the message (counted dropped). Built from C++ without
// NodeOptions::rate_limit it limits nothing. in = out + dropped.
#include <memory>

#include "builtins/builtins.hpp"
#include "builtins/pass_through.hpp"

namespace sluice::builtins {

StageType rate_limit_type() {
  StageType t;
  t.name = "rate_limit";
  t.role = Role::stage;
  t.doc =
      "token bucket as a node: `limiter = \"name\"` or `rate` / `per` / `burst`; `mode = "
      "\"delay\" | \"drop\"`; in = out + dropped";
  t.schema.options = {
      {.name = "limiter",
       .type = OptionType::string,
       .doc = "a [limiters.*] name, shared with every stage naming it (or give `rate`)"},
      {.name = "rate",
       .type = OptionType::floating,
       .doc = "tokens per `per` (or name a `limiter`); 0 = only the initial `burst`",
       .min = 0},
      {.name = "per",
       .type = OptionType::duration,
       .doc = "refill period",
       .default_value = OptionValue::duration(kNanosPerSecond),
       .min = 1e-9},
      {.name = "burst",
       .type = OptionType::integer,
       .doc = "bucket size; the bucket starts full",
       .default_value = OptionValue::of(1),
       .min = 1},
      {.name = "mode",
       .type = OptionType::string,
       .doc = "delay: hold a message until its token is due; drop: drop it if none is there",
       .default_value = OptionValue::of("delay"),
       .choices = {"delay", "drop"}},
      {.name = "max_wait",
       .type = OptionType::duration,
       .doc = "delay mode: drop a message that would wait longer; default: no limit",
       .min = 0},
  };
  t.make_stage = [](const Options&) { return std::make_unique<PassThrough>(); };
  return t;
}

}  // namespace sluice::builtins
