// What sluice itself prints on stderr besides its log: configuration
// diagnostics and its own errors. As text by default; under
// `run --log-format json` each is one JSON object per line, like the log's
// lines ({"time", "level", ...} through the default spdlog logger), so that a
// collector can parse the whole of stderr.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "sluice/dsl/diagnostic.hpp"

namespace sluice::cli {

/// Set once, after the JSON logger is installed and before anything is printed.
void use_json_error_lines(bool on);

/// "sluice: error: MESSAGE" (and "  hint: HINT"), or its JSON line.
void print_error(std::string_view message, std::string_view hint = {});
/// "FILE:LINE:COL: error: MESSAGE" with its hint, or a JSON line with file,
/// line, column, code, message and hint.
void print_diagnostic(const dsl::Diagnostic& d);
/// "N errors, M warnings" after the diagnostics of a file that has errors.
void print_diagnostic_summary(std::size_t errors, std::size_t warnings);

}  // namespace sluice::cli
