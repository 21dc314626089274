// LineWriter: writes messages to a FILE* one per line, as the payload or as
// a JSON object; shared by the stdout and file sinks.
#pragma once

#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "sluice/message.hpp"

namespace sluice::builtins {

enum class LineFormat { payload, json };

LineFormat parse_line_format(std::string_view name);

/// Writes the batch and flushes it to the OS; throws std::runtime_error
/// (naming `what`) when the write fails.
void write_lines(std::FILE* f, std::span<Message> batch, LineFormat format, std::string& scratch,
                 std::string_view what);

}  // namespace sluice::builtins
