#include "tree_checks.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace sluice::dsl::detail {
namespace {

void walk(LoadContext& ctx, const toml::node& n, const std::string& path) {
  if (const auto* t = n.as_table()) {
    for (const auto& [k, v] : *t) {
      const std::string key(k.str());
      walk(ctx, v, path.empty() ? key : path + "." + key);
    }
  } else if (const auto* a = n.as_array()) {
    for (std::size_t i = 0; i < a->size(); ++i) {
      walk(ctx, *a->get(i), path + "[" + std::to_string(i) + "]");
    }
  } else if (const auto* f = n.as_floating_point(); f && !std::isfinite(f->get())) {
    const Span at = ctx.span_of(n);
    const bool said = std::any_of(ctx.diags.begin(), ctx.diags.end(), [&](const Diagnostic& d) {
      return d.span.file == at.file && d.span.line == at.line && d.span.column == at.column;
    });
    if (said) return;  // an option's own check named it better
    ctx.error("out-of-range", ctx.span_of(n),
              quote(path) + " must be a finite number, not " + number(f->get()),
              "no option takes nan or inf; to leave a limit out, leave the option out");
  }
}

}  // namespace

void check_tree(LoadContext& ctx, const toml::table& root) { walk(ctx, root, ""); }

}  // namespace sluice::dsl::detail
