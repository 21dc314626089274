#include "ui_page.hpp"

namespace sluice::cli {
namespace {

// No framework: the page finds the elements dot drew by their ids and
// rewrites the last line of each label (graph_text.cpp leaves room for it).
constexpr std::string_view kPage = R"page(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sluice: @TITLE@</title>
<style>
  body { font-family: sans-serif; margin: 1em; color: #222; }
  h1 { font-size: 1.2em; margin: 0 0 .3em; }
  #status { color: #555; margin-bottom: .6em; }
  #status.gone { color: #b00; }
  #graph svg { max-width: 100%; height: auto; }
  #graph .missing { border: 1px solid #c90; background: #fff8e0; padding: .5em; }
  table { border-collapse: collapse; margin-top: 1em; font-size: .9em; }
  th, td { padding: .15em .6em; text-align: right; border-bottom: 1px solid #ddd; }
  th:first-child, td:first-child { text-align: left; }
  td.open { color: #b00; font-weight: bold; }
  td.half_open { color: #c60; }
</style>
</head>
<body>
<h1>@TITLE@</h1>
<div id="status">waiting for the first numbers</div>
<div id="graph">@GRAPH@</div>
<table id="stages">
<thead><tr><th>stage</th><th>in/s</th><th>out/s</th><th>busy</th><th>blocked</th>
<th>queue</th><th>dropped</th><th>errors</th><th>restarts</th><th>breaker</th></tr></thead>
<tbody></tbody>
</table>
<script>
"use strict";
function rate(r) {
  if (r < 1000) return r.toFixed(1);
  if (r < 1e6) return (r / 1e3).toFixed(1) + "k";
  return (r / 1e6).toFixed(1) + "M";
}
function pct(share) { return share === null ? "-" : Math.round(share * 100) + "%"; }
// 0: green, 1: red.
function heat(share) { return "hsl(" + Math.round(120 * (1 - share)) + ", 75%, 38%)"; }
function texts(id) {
  const g = id === null ? null : document.getElementById(id);
  return g ? Array.from(g.querySelectorAll("text")) : [];
}
function drawStage(s) {
  const t = texts(s.id);
  if (t.length === 0) return;
  let numbers = t[t.length - 1];
  if (numbers.textContent.startsWith("breaker ")) {
    numbers.textContent = "breaker " + (s.breaker === null ? "-" : s.breaker);
    numbers.setAttribute("fill", s.breaker === "open" ? "#b00" :
                                 s.breaker === "half_open" ? "#c60" : "#222");
    numbers = t[t.length - 2];
  }
  numbers.textContent = s.fused ? "fused  blocked " + pct(s.blocked)
                                : "busy " + pct(s.busy) + "  blocked " + pct(s.blocked);
  const shape = document.getElementById(s.id).querySelector("polygon, path, ellipse");
  if (shape) {
    const busy = s.busy === null ? 0 : s.busy;
    shape.setAttribute("fill", "hsl(40, 100%, " + Math.round(100 - 45 * busy) + "%)");
    shape.setAttribute("stroke", s.breaker === "open" ? "#b00" :
                                 s.breaker === "half_open" ? "#c60" : "black");
  }
}
function drawEdge(e) {
  const t = texts(e.id);
  if (t.length === 0) return;
  let label = rate(e.rate) + "/s  " + (e.fused ? "fused" : pct(e.fill));
  if (e.dropped > 0) label += "  " + e.dropped + " dropped";
  t[t.length - 1].textContent = label;
  const colour = e.fill === null ? "#555" : heat(e.fill);
  const g = document.getElementById(e.id);
  for (const p of g.querySelectorAll("path")) {
    p.setAttribute("stroke", colour);
    p.setAttribute("stroke-width", e.fill === null ? 1 : 1 + 3 * e.fill);
  }
  for (const p of g.querySelectorAll("polygon")) {
    p.setAttribute("stroke", colour);
    p.setAttribute("fill", colour);
  }
}
const rows = new Map();
function drawRow(s) {
  let row = rows.get(s.name);
  if (!row) {
    row = document.querySelector("#stages tbody").insertRow();
    rows.set(s.name, row);
    for (const c of ["name", "in_rate", "out_rate", "busy", "blocked", "queue", "dropped",
                     "errors", "restarts", "breaker"]) {
      row.insertCell().className = c;
    }
    row.cells[0].textContent = s.name;
  }
  row.cells[1].textContent = rate(s.in_rate);
  row.cells[2].textContent = rate(s.out_rate);
  row.cells[3].textContent = s.fused ? "fused" : pct(s.busy);
  row.cells[4].textContent = pct(s.blocked);
  row.cells[5].textContent = pct(s.queue);
  row.cells[6].textContent = s.dropped;
  row.cells[7].textContent = s.errors;
  row.cells[8].textContent = s.restarts;
  row.cells[9].textContent = s.breaker === null ? "-" : s.breaker;
  row.cells[9].className = "breaker " + (s.breaker === null ? "" : s.breaker);
}
async function refresh() {
  const status = document.getElementById("status");
  try {
    const answer = await fetch("ui.json", {cache: "no-store"});
    if (answer.status === 503) throw new Error("the run has not started yet");
    if (!answer.ok) throw new Error("HTTP " + answer.status + " from ui.json");
    const d = await answer.json();
    d.stages.forEach(s => { drawStage(s); drawRow(s); });
    d.edges.forEach(drawEdge);
    status.className = "";
    status.textContent = d.status + ", " + d.elapsed_s.toFixed(1) + " s";
  } catch (e) {
    status.className = "gone";
    // A fetch that gets no answer at all: the run has most likely ended, its server with it.
    status.textContent = e instanceof TypeError ? "no answer from the run (it may have ended)"
                                                : "no numbers: " + e.message;
  }
  setTimeout(refresh, 1000);
}
refresh();
</script>
</body>
</html>
)page";

constexpr std::string_view kTitle = "@TITLE@";
constexpr std::string_view kGraph = "@GRAPH@";

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string ui_page_html(std::string_view pipeline, std::string_view svg,
                         std::string_view why_no_svg) {
  const std::string title = html_escape(pipeline);
  const std::string graph =
      !svg.empty() ? std::string(svg)
                   : "<p class=\"missing\">No drawing of the graph: " + html_escape(why_no_svg) +
                         ". The numbers are in the table below.</p>";
  // One pass over the template: what goes in is never taken for a placeholder.
  std::string page;
  page.reserve(kPage.size() + graph.size());
  for (std::size_t i = 0; i < kPage.size();) {
    if (kPage.substr(i, kTitle.size()) == kTitle) {
      page += title;
      i += kTitle.size();
    } else if (kPage.substr(i, kGraph.size()) == kGraph) {
      page += graph;
      i += kGraph.size();
    } else {
      page += kPage[i++];
    }
  }
  return page;
}

}  // namespace sluice::cli
