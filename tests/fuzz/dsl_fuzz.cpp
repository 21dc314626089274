// libFuzzer target for the DSL entry: any bytes, as a pipeline file, must give
// diagnostics, never a crash, a hang or an exception (issue 3).
//
// Input: the file's text up to the first NUL byte; after it, one `--set`
// override per line, so that the overrides path is fuzzed too. The seed corpus
// (pipelines/ and tests/diagnostics/) has no NUL, so seeds are plain files.
//
//   scripts/fuzz.sh 60
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/dsl/loader.hpp"
#include "sluice/dsl/plugins.hpp"
#include "sluice/registry.hpp"

namespace {

std::vector<std::string> split_overrides(std::string_view rest) {
  std::vector<std::string> out;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    out.emplace_back(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  }
  return out;
}

/// load_pipeline_text turns an escaping exception into an "internal" error
/// instead of crashing: for the fuzzer that is still a bug.
void check(const std::vector<sluice::dsl::Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) {
    const std::string text = sluice::dsl::format(d);
    if (d.code == "internal") {
      std::fprintf(stderr, "dsl_fuzz: internal error escaped as a diagnostic:\n%s", text.c_str());
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  const std::string_view text = input.substr(0, nul);
  const auto overrides = nul == std::string_view::npos ? std::vector<std::string>{}
                                                       : split_overrides(input.substr(nul + 1));

  const sluice::Registry& registry = sluice::builtin_registry();
  // `sluice check` and `run` read the plugins first, with a parse of their own.
  (void)sluice::dsl::plugin_requests(text, "fuzz.toml");
  auto loaded = sluice::dsl::load_pipeline_text(text, "fuzz.toml", overrides, registry);
  check(loaded.diagnostics);
  if (loaded.ok()) {
    auto compiled = sluice::dsl::compile(loaded.spec, registry);
    check(compiled.diagnostics);
  }
  return 0;
}
