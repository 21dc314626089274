// `sluice run --trace FILE` checked before the run: a path the trace cannot
// be written to is a usage error (exit 2) found now, not when the run ends.
//
//   if (!trace_path_is_writable(args.trace)) return kExitUsage;
#pragma once

#include <string>

namespace sluice::cli {

/// True for "" (no trace) and for a file that can be created or written;
/// else prints why on stderr. The file is created (empty) when it is new.
[[nodiscard]] bool trace_path_is_writable(const std::string& path);

}  // namespace sluice::cli
