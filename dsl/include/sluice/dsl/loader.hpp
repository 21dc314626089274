// Loading a pipeline file: TOML -> validated PipelineSpec -> Graph + RunOptions.
// Nothing here throws: every problem of the file becomes a Diagnostic, and all
// of them are collected in one pass.
//
//   auto loaded = sluice::dsl::load_pipeline("orders.toml", {"stages.src.count=10"},
//                                            sluice::builtin_registry());
//   for (auto& d : loaded.diagnostics) std::cerr << sluice::dsl::format(d);
//   if (!loaded.ok()) return 2;
//   auto compiled = sluice::dsl::compile(loaded.spec, sluice::builtin_registry());
//   sluice::Pipeline p(std::move(compiled.graph), compiled.run_options);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sluice/dsl/diagnostic.hpp"
#include "sluice/dsl/spec.hpp"
#include "sluice/graph.hpp"
#include "sluice/pipeline.hpp"
#include "sluice/registry.hpp"

namespace sluice::dsl {

struct LoadResult {
  PipelineSpec spec;                    ///< complete only when ok()
  std::vector<Diagnostic> diagnostics;  ///< errors and warnings, in file order
  [[nodiscard]] bool ok() const noexcept { return !has_errors(diagnostics); }
};

/// A pipeline file's text, read once (a pipe or a FIFO gives it once), or
/// the diagnostic that says why it cannot be read. `path` "-" is standard
/// input, named "<stdin>" in diagnostics.
struct PipelineText {
  std::string path;  ///< as diagnostics name it
  std::string text;
  std::vector<Diagnostic> diagnostics;  ///< empty when `text` was read
  [[nodiscard]] bool ok() const noexcept { return diagnostics.empty(); }
};
PipelineText read_pipeline_file(const std::string& path);

/// Reads and validates `path`. `overrides` are `KEY=VALUE` strings (`--set`),
/// applied before validation; VALUE is a TOML value, else a plain string.
LoadResult load_pipeline(const std::string& path, const std::vector<std::string>& overrides,
                         const Registry& registry);

/// The same for text already in memory; `path` names it in diagnostics and
/// anchors relative plugin paths.
LoadResult load_pipeline_text(std::string_view text, const std::string& path,
                              const std::vector<std::string>& overrides, const Registry& registry);

struct CompileResult {
  Graph graph;
  RunOptions run_options;
  std::vector<Diagnostic> diagnostics;  ///< warnings (not yet enforced keys), graph problems
  [[nodiscard]] bool ok() const noexcept { return !has_errors(diagnostics); }
};

/// Builds the graph of a validated spec. The factories copy what they need:
/// the registry need not outlive the graph.
CompileResult compile(const PipelineSpec& spec, const Registry& registry);

}  // namespace sluice::dsl
