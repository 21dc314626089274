#include "overrides.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "nesting_scan.hpp"

namespace sluice::dsl::detail {

namespace {

void mark_origin(LoadContext& ctx, const toml::node& n, const std::string& origin) {
  if (n.source().begin.line == 0 || !n.source().path || *n.source().path == ctx.path) {
    ctx.origin[&n] = origin;
  }
  if (auto t = n.as_table()) {
    for (const auto& [k, v] : *t) mark_origin(ctx, v, origin);
  } else if (auto a = n.as_array()) {
    for (const auto& v : *a) mark_origin(ctx, v, origin);
  }
}

}  // namespace

void apply_override(LoadContext& ctx, toml::table& root, const std::string& text) {
  const std::string origin = "--set " + text;
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    ctx.error("bad-override", Span{origin, 0, 0}, "expected KEY=VALUE",
              "for example --set stages.src.count=10");
    return;
  }
  const std::string key = text.substr(0, eq);
  const std::string value = text.substr(eq + 1);
  // Bounded before anything is built: each part is a nested table.
  if (static_cast<std::size_t>(std::count(key.begin(), key.end(), '.')) >= kMaxNesting) {
    ctx.error("too-deep", Span{origin.substr(0, 60) + "...", 0, 0},
              "the key has more than " + std::to_string(kMaxNesting) + " parts",
              "a key names a table or a value, e.g. stages.src.count");
    return;
  }
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    auto dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (std::any_of(parts.begin(), parts.end(), [](const auto& p) { return p.empty(); })) {
    ctx.error("bad-override", Span{origin, 0, 0}, "empty part in key " + quote(key));
    return;
  }
  toml::table* t = &root;
  std::string walked;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    walked += (walked.empty() ? "" : ".") + parts[i];
    toml::node* child = t->get(parts[i]);
    if (!child) {
      t->insert(parts[i], toml::table{});
      child = t->get(parts[i]);
      ctx.origin[child] = origin;
    }
    t = child->as_table();
    if (!t) {
      ctx.error("bad-override", Span{origin, 0, 0},
                quote(walked) + " is " + std::string(type_name(*child)) + ", not a table");
      return;
    }
  }
  // VALUE is a TOML value when it parses as one, else the text itself.
  const std::string line = "v = " + value;
  if (too_deep(line)) {
    ctx.error("too-deep", Span{origin, 0, 0},
              "the value nests more than " + std::to_string(kMaxNesting) + " levels deep");
    return;
  }
  bool parsed = false;
  try {
    toml::table holder = toml::parse(line, origin);
    // "1\n[stages.x]..." parses as v and more: the rest would be dropped unseen.
    if (holder.size() != 1) {
      ctx.error("bad-override", Span{origin, 0, 0},
                "the value of " + quote(key) + " is more than one TOML value",
                "a --set value is one value; a string with line breaks is written "
                "\"...\\n...\" or between \"\"\"");
      return;
    }
    if (toml::node* v = holder.get("v")) {
      v->visit([&](auto&& x) { t->insert_or_assign(parts.back(), std::move(x)); });
      parsed = true;
    }
  } catch (const toml::parse_error&) {
  }
  if (!parsed) t->insert_or_assign(parts.back(), value);
  mark_origin(ctx, *t->get(parts.back()), origin);
}

}  // namespace sluice::dsl::detail
