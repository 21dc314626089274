// The HTML page of `sluice run --ui`: the graph's SVG inline, and a little
// plain JavaScript that polls /ui.json (ui_json.hpp) once a second and writes
// the numbers into the drawing (by the ids of graph_text.hpp) and a table.
//
//   res.set_content(ui_page_html(spec.name, svg.svg, svg.error), "text/html");
#pragma once

#include <string>
#include <string_view>

namespace sluice::cli {

/// `svg`: the <svg> element, or empty, and then the page says `why_no_svg`
/// where the drawing would be (the table of numbers is there either way).
[[nodiscard]] std::string ui_page_html(std::string_view pipeline, std::string_view svg,
                                       std::string_view why_no_svg);

/// `text` with &, <, >, " and ' as entities.
[[nodiscard]] std::string html_escape(std::string_view text);

}  // namespace sluice::cli
