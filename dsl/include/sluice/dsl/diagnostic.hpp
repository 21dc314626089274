// Diagnostic: one problem found in a pipeline file, with the place it points
// at, printed like a compiler's message.
//
//   for (const auto& d : result.diagnostics) std::cerr << sluice::dsl::format(d);
//   // orders.toml:12:12: error: unknown key 'capcity' in stage 'enrich'
//   //   hint: did you mean 'capacity'?
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sluice::dsl {

/// A place in a pipeline file. line == 0: no position (whole file, or a
/// `--set` override, whose text is then the `file`).
struct Span {
  std::string file;
  std::size_t line{0};
  std::size_t column{0};
};

enum class Severity { error, warning };

struct Diagnostic {
  Severity severity{Severity::error};
  std::string code;  ///< stable identifier, e.g. "unknown-key", "bad-duration"
  Span span;
  std::string message;
  std::string hint;  ///< empty: none
};

/// `FILE:LINE:COL: error: MESSAGE\n` plus `  hint: HINT\n` when there is one;
/// control characters in any part are escaped (printable()).
[[nodiscard]] std::string format(const Diagnostic& d);

[[nodiscard]] bool has_errors(const std::vector<Diagnostic>& diagnostics) noexcept;
[[nodiscard]] std::size_t count(const std::vector<Diagnostic>& diagnostics, Severity s) noexcept;

/// Sorts by file position (stable), errors and warnings interleaved as in the file.
void sort_by_position(std::vector<Diagnostic>& diagnostics);

}  // namespace sluice::dsl
