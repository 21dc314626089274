// The `url` option of the nats source and sink, checked at `sluice check`
// rather than found at the first connection: "nats://host:port", several
// separated by commas, each "[scheme://][user[:password]@]host[:port]" with
// a scheme nats.c speaks (nats, tls) and a port of 1..65535.
//
//   url_problem("nats://a:4222,nats://b:4222");  // nothing
//   url_problem("http://a");                     // "'http' is not a NATS scheme..."
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/registry.hpp"

namespace sluice::builtins::nats {

/// What is wrong with `urls`, or nothing.
[[nodiscard]] std::optional<std::string> url_problem(std::string_view urls);

/// The check hook of both nats types: a bad `url` is a "bad-option" at it.
[[nodiscard]] std::vector<StageProblem> check_url(const StageView& stage);

}  // namespace sluice::builtins::nats
