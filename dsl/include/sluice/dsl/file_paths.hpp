// Files a pipeline reads and writes, compared as the system resolves them
// (symbolic links, `..`, hard links): a `file` sink must not write the file
// a `file` source reads (truncate empties it before it is read, append reads
// its own output forever), two sinks must not write one file (their lines
// interleave), and `sluice run --stats-json` must not name a file of a stage.
//
//   if (auto s = sluice::dsl::file_stage_of(spec, "out.txt")) { /* *s reads or writes it */ }
#pragma once

#include <optional>
#include <string>

#include "sluice/dsl/spec.hpp"

namespace sluice::dsl {

/// True when `a` and `b` (relative to the working directory) are one file.
/// Devices and pipes (/dev/null, /dev/stdout, a FIFO) are never "one file":
/// writing one from two places is what they are for.
[[nodiscard]] bool same_file(const std::string& a, const std::string& b);

/// The name of a `file` source or sink of `spec` whose file is `path`, or nothing.
[[nodiscard]] std::optional<std::string> file_stage_of(const PipelineSpec& spec,
                                                       const std::string& path);

}  // namespace sluice::dsl
