// rate_limit: a token bucket as a node. The stage itself passes messages
// through; its wire hook gives the node a RateLimiter
// (NodeOptions::rate_limit) built from `limiter` (a shared [limiters.NAME]) or
// from its own rate / per / burst / mode / max_wait, and the runtime admits
// each message on a token: `delay` parks the stage on a timer until the token
// is due, `drop` drops the message (counted dropped). Built from C++ without
// NodeOptions::rate_limit it limits nothing. in = out + dropped.
#include <memory>

#include "builtins/builtins.hpp"
#include "builtins/pass_through.hpp"
#include "sluice/policy_options.hpp"

namespace sluice::builtins {

namespace {

/// `limiter` or `rate`, never both; the bucket's own keys only with `rate`.
std::vector<StageProblem> check_limit(const StageView& s) {
  std::vector<StageProblem> out;
  const std::string where = " in stage '" + std::string(s.name) + "'";
  if (s.has("limiter") && s.has("rate")) {
    out.push_back({"conflicting-keys", "rate", "'limiter' and 'rate' are both given" + where,
                   "name a [limiters.*] entry or give rate / per / burst here, not both"});
  } else if (!s.has("limiter") && !s.has("rate")) {
    out.push_back(
        {"missing-key", "",
         "stage '" + std::string(s.name) + "' of type 'rate_limit' needs 'limiter' or 'rate'",
         "e.g. limiter = \"api\" with [limiters.api], or rate = 100, per = \"1s\", burst = 10"});
  } else if (s.has("limiter")) {
    for (const char* key : {"per", "burst", "mode", "max_wait"}) {
      if (!s.has(key)) continue;
      out.push_back({"conflicting-keys", key,
                     "'" + std::string(key) + "'" + where + " has no effect with 'limiter'",
                     "set it in [limiters." +
                         (s.options.has("limiter") ? s.options.get_string("limiter") : "NAME") +
                         "], or drop 'limiter'"});
    }
  }
  if (s.has("rate_limit")) {
    out.push_back(
        {"conflicting-keys", "rate_limit",
         "'rate_limit'" + where + " duplicates the stage's own limit",
         "a stage of type 'rate_limit' is limited by its 'limiter' or 'rate'; remove this key"});
  }
  return out;
}

}  // namespace

StageType rate_limit_type() {
  StageType t;
  t.name = "rate_limit";
  t.doc =
      "token bucket as a node: `limiter = \"name\"` or `rate` / `per` / `burst`; `mode = "
      "\"delay\" | \"drop\"`; in = out + dropped";
  // Its own bucket takes a [limiters.*] entry's keys (one table:
  // policy_options.hpp); `rate` is required there, here it is `rate` or a
  // `limiter`.
  t.schema.options = {
      {.name = "limiter",
       .type = OptionType::string,
       .doc = "a [limiters.*] name, shared with every stage naming it (or give `rate`)",
       .refers_to = "limiters"},
  };
  for (OptionSpec o : limiter_options().options) {
    if (o.name == "rate") {
      o.required = false;
      o.doc = "tokens per `per` (or name a `limiter`); 0 = only the initial `burst`";
    }
    t.schema.options.push_back(std::move(o));
  }
  t.make = [](const Options&) { return std::make_unique<PassThrough>(); };
  t.check = check_limit;
  t.wire = [](Wiring& w) {
    if (w.options.has("limiter")) {
      w.node.rate_limit = w.limiter(w.options.get_string("limiter"));
    } else {
      w.node.rate_limit = std::make_shared<RateLimiter>(limiter_config(w.options), w.now);
    }
  };
  return t;
}

}  // namespace sluice::builtins
