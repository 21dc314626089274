#include "sluice/dsl/diagnostic.hpp"

#include <algorithm>

#include "sluice/dsl/printable.hpp"

namespace sluice::dsl {

std::string format(const Diagnostic& d) {
  // Keys and values of the file are quoted in messages: escaped here, once.
  std::string out = printable(d.span.file);
  if (d.span.line > 0) {
    out += ':' + std::to_string(d.span.line) + ':' + std::to_string(d.span.column);
  }
  out += d.severity == Severity::error ? ": error: " : ": warning: ";
  out += printable(d.message);
  out += '\n';
  if (!d.hint.empty()) out += "  hint: " + printable(d.hint) + '\n';
  return out;
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) noexcept {
  return count(diagnostics, Severity::error) > 0;
}

std::size_t count(const std::vector<Diagnostic>& diagnostics, Severity s) noexcept {
  return static_cast<std::size_t>(
      std::count_if(diagnostics.begin(), diagnostics.end(),
                    [s](const Diagnostic& d) { return d.severity == s; }));
}

void sort_by_position(std::vector<Diagnostic>& diagnostics) {
  // Positionless ones (overrides, whole-file problems) first: they explain the rest.
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     if (a.span.line != b.span.line) return a.span.line < b.span.line;
                     return a.span.column < b.span.column;
                   });
}

}  // namespace sluice::dsl
