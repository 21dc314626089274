// The fixture of the http stage's and the http_post sink's end-to-end tests:
// runs a pipeline written into the scratch folder through `sluice`, with
// its time, threads and CPU, next to an HttpServer (http_server.hpp).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "e2e_support.hpp"
#include "http_server.hpp"

namespace sluice_e2e {

inline std::uint64_t u(const json& j, const char* key) { return j.value(key, std::uint64_t{0}); }

class HttpE2E : public E2E {
 protected:
  /// Runs a pipeline written into the scratch folder; returns the exit code.
  int run_file(const std::string& toml, std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto file = write("p.toml", toml);
    Sluice p({"run", file.string(), "--stats-json", "stats.json", "--progress", "never"}, dir_);
    const auto t0 = std::chrono::steady_clock::now();
    const int code = p.wait(limit);
    took_ = std::chrono::steady_clock::now() - t0;
    err_ = p.err();
    peak_threads_ = p.peak_threads();
    cpu_ = p.cpu_seconds();
    return code;
  }
  std::string err_;
  std::chrono::steady_clock::duration took_{};
  int peak_threads_{0};
  double cpu_{0};
};

inline std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

}  // namespace sluice_e2e
