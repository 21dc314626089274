#include "factory_probe.hpp"

#include <charconv>
#include <string_view>

#include "factory_error.hpp"
#include "sluice/bad_option.hpp"

namespace sluice::dsl::detail {
namespace {

/// The node at `path` ("attrs.tenant", "weights[1]") in the stage's table, or
/// the deepest one found on the way; null when not even the option is given.
const toml::node* option_node(const StageWork& w, std::string_view path) {
  const toml::node* n = nullptr;  // null: the stage's table itself
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    const toml::node* next = nullptr;
    if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      std::size_t index = 0;
      const char* first = path.data() + i + 1;
      const char* last = path.data() + (close == std::string_view::npos ? path.size() : close);
      const toml::array* a = n != nullptr ? n->as_array() : nullptr;
      if (a != nullptr && std::from_chars(first, last, index).ptr == last) next = a->get(index);
      i = close == std::string_view::npos ? path.size() : close + 1;
    } else {
      std::size_t end = path.find_first_of(".[", i);
      if (end == std::string_view::npos) end = path.size();
      const toml::table* t = n != nullptr ? n->as_table() : w.table;
      if (t != nullptr) next = t->get(path.substr(i, end - i));
      i = end;
    }
    if (next == nullptr) break;
    n = next;
  }
  return n;
}

}  // namespace

void build_once(LoadContext& ctx, StageWork& w, bool clean) {
  try {
    w.type->probe(w.spec.options);
  } catch (const OptionError& e) {
    if (clean) factory_error(ctx, w, e);
  } catch (const std::exception& e) {
    factory_error(ctx, w, e);
  }
}

/// A factory's (or a port list's) complaint about the stage's options, at the
/// option it names; else at the stage.
void factory_error(LoadContext& ctx, const StageWork& w, const std::exception& e) {
  const StageSpec& s = w.spec;
  if (const auto* bad = dynamic_cast<const BadOption*>(&e)) {
    Span span = s.span;
    if (const toml::node* n = option_node(w, bad->option())) {
      span = bad->column() > 0 && n->is_string() ? ctx.inside_string(*n, bad->column())
                                                 : ctx.span_of(*n);
    }
    ctx.error("bad-option", span, detail::in_stage(bad->message(), bad->option(), s.name),
              bad->hint());
    return;
  }
  const std::string message = e.what();
  const auto option = detail::mentioned_option(message, s.option_spans);
  ctx.error("bad-option", option ? s.option_spans.at(*option) : s.span,
            detail::in_stage(message, option.value_or(""), s.name));
}

/// The type's own rules across its options and inputs (StageType::check),
/// each problem at the key it names, else at the stage.
void check_stage(LoadContext& ctx, const StageWork& w) {
  if (!w.type || !w.type->check) return;
  const StageSpec& s = w.spec;
  StageView view{s.name, s.options, {}, s.inputs.size()};
  for (const auto& [key, span] : s.option_spans) view.given.push_back(key);
  if (s.rate_limit) view.given.emplace_back("rate_limit");
  if (s.semaphore) view.given.emplace_back("semaphore");
  if (s.circuit_breaker) view.given.emplace_back("circuit_breaker");
  if (s.retry) view.given.emplace_back("retry");
  for (auto& p : w.type->check(view)) {
    Span span = s.span;
    if (const auto it = s.option_spans.find(p.at); it != s.option_spans.end()) {
      span = it->second;
    } else if (const auto common = s.common_spans.find(p.at); common != s.common_spans.end()) {
      span = common->second;
    }
    ctx.error(std::move(p.code), span, std::move(p.message), std::move(p.hint));
  }
}

}  // namespace sluice::dsl::detail
