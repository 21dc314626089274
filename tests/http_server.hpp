// The end-to-end tests' local HTTP server: the one the HTTP client's unit
// tests use (framework/src/builtins/http/test_server.hpp).
#pragma once

#include "builtins/http/test_server.hpp"

namespace sluice_e2e {

using HttpServer = sluice::builtins::http::TestServer;

}  // namespace sluice_e2e
