// What the plugin tests share: where the plugins are, and a fixture that
// runs the real `sluice` in a scratch folder and keeps its output.
#pragma once

#include <string>
#include <vector>

#include "e2e_support.hpp"

namespace sluice_e2e {

inline const fs::path kPlugins = SLUICE_PLUGIN_DIR;           // the examples
inline const fs::path kTestPlugins = SLUICE_TEST_PLUGIN_DIR;  // tests/plugins/

inline std::string plugin(const std::string& name) { return (kPlugins / (name + ".so")).string(); }
inline std::string test_plugin(const std::string& name) {
  return (kTestPlugins / (name + ".so")).string();
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// No sanitizer report in a run's stderr (the debug and tsan presets).
inline void expect_clean(const Sluice& p) {
  EXPECT_FALSE(contains(p.err(), "Sanitizer")) << p.err();
  EXPECT_FALSE(contains(p.err(), "runtime error:")) << p.err();
}

class Plugins : public E2E {
 protected:
  /// Runs `sluice ARGS...` in the scratch folder; exit code.
  int sluice(std::vector<std::string> args) {
    Sluice p(std::move(args), dir_);
    const int code = p.wait(std::chrono::seconds(120));
    err_ = p.err();
    out_ = p.out();
    expect_clean(p);
    return code;
  }
  std::string err_, out_;
};

}  // namespace sluice_e2e
