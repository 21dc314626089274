// Graphviz dot text to SVG, through the `dot` command (Debian's graphviz) in
// a child process: the live page of `sluice run --ui` draws the layout that
// `sluice graph` describes.
//
//   SvgResult r = render_svg(dot_text(spec, DotFor::live_page));
//   if (r.svg.empty()) log(r.error);   // e.g. `dot` is not installed
//
// Call it with SIGPIPE ignored (`sluice run` does): a `dot` that exits early
// must fail the write, not end the process.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace sluice::cli {

struct SvgResult {
  std::string svg;    ///< the <svg> element alone (no XML prolog); empty on failure
  std::string error;  ///< why there is none
};

/// Runs `command -Tsvg` (looked up in PATH) on `dot`; a command that has not
/// finished within `timeout` is killed.
[[nodiscard]] SvgResult render_svg(std::string_view dot, const std::string& command = "dot",
                                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace sluice::cli
