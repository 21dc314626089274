#include "key_checks.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::dsl::detail {
namespace {

/// Stage types whose output messages keep the key of the messages they took
/// (or of the first of a batch); `map` too, unless it sets `key`.
constexpr std::array<std::string_view, 17> kKeepKey{
    "filter", "work",   "delay",  "route", "fan_out", "merge", "priority",  "rate_limit", "take",
    "gate",   "sample", "dedupe", "fail",  "split",   "batch", "subscribe", "publish"};

bool has_option(const StageSpec& s, const char* name) {
  return s.option_spans.find(name) != s.option_spans.end();
}

/// True for a source whose messages have the key "".
bool keyless_source(const StageSpec& s) {
  if (s.type == "file" || s.type == "stdin") return true;
  if (s.type != "generate") return false;
  const OptionValue* key = s.options.find("key");
  return key == nullptr || (key->kind == OptionValue::Kind::string && key->str.empty());
}

class KeylessFinder {
 public:
  explicit KeylessFinder(const std::vector<StageWork>& stages) : stages_(stages) {
    for (std::size_t i = 0; i < stages.size(); ++i) index_[stages[i].spec.name] = i;
  }

  /// The name of a keyless source behind every input of stage `i`, or nullopt
  /// when a message of stage `i` may have a key (or it cannot be told).
  std::optional<std::string> keyless_origin(std::size_t i) {
    if (const auto it = memo_.find(i); it != memo_.end()) return it->second;
    memo_[i] = std::nullopt;  // a cycle (reported elsewhere) says nothing
    const std::optional<std::string> r = compute(i);
    memo_[i] = r;
    return r;
  }

  /// The index of the stage called `name`.
  std::optional<std::size_t> find(const std::string& name) const {
    const auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::optional<std::string> compute(std::size_t i) {
    const StageWork& w = stages_[i];
    const StageSpec& s = w.spec;
    if (w.type == nullptr) return std::nullopt;
    if (s.role == Role::source) {
      if (keyless_source(s)) return s.name;
      if (s.type != "subscribe") return std::nullopt;
    }
    const bool keeps = std::find(kKeepKey.begin(), kKeepKey.end(), s.type) != kKeepKey.end() ||
                       (s.type == "map" && !has_option(s, "key"));
    if (!keeps || s.inputs.empty()) return std::nullopt;
    std::optional<std::string> origin;
    for (const InputSpec& in : s.inputs) {
      // Any port (dead_letter, rejected too) carries messages with the key they came with.
      const auto from = find(in.stage);
      if (!from) return std::nullopt;
      auto o = keyless_origin(*from);
      if (!o) return std::nullopt;
      if (!origin) origin = std::move(o);
    }
    return origin;
  }

  const std::vector<StageWork>& stages_;
  std::map<std::string, std::size_t> index_;
  std::map<std::size_t, std::optional<std::string>> memo_;
};

}  // namespace

void warn_keyless_by_key(LoadContext& ctx, const std::vector<StageWork>& stages) {
  KeylessFinder finder(stages);
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const StageSpec& s = stages[i].spec;
    if (stages[i].type == nullptr || (s.type != "count" && s.type != "dedupe")) continue;
    const OptionValue* by = s.options.find("by");
    if (by == nullptr || by->kind != OptionValue::Kind::string) continue;
    const std::string_view text = by->str;
    const auto b = text.find_first_not_of(" \t\r\n");
    const auto e = text.find_last_not_of(" \t\r\n");
    if (b == std::string_view::npos || text.substr(b, e - b + 1) != "key") continue;
    std::optional<std::string> origin;
    bool all_keyless = !s.inputs.empty();
    for (const InputSpec& in : s.inputs) {
      const auto from = finder.find(in.stage);
      auto o = from ? finder.keyless_origin(*from) : std::nullopt;
      if (!o) {
        all_keyless = false;
        break;
      }
      if (!origin) origin = std::move(o);
    }
    if (!all_keyless || !origin) continue;
    const auto given = s.option_spans.find("by");
    const bool defaulted = given == s.option_spans.end();
    const Span span = defaulted ? s.span : given->second;
    const std::string what = s.type == "count" ? "counts" : "deduplicates";
    const std::string effect = s.type == "count"
                                   ? "every message falls in the one group \"\""
                                   : "every message after the first is a repeat and is dropped";
    ctx.warning("keyless-by-key", span,
                "stage " + quote(s.name) + " " + what + " by key" +
                    (defaulted ? " (the default of 'by')" : "") +
                    ", but its messages have no key: they come from stage " + quote(*origin) +
                    ", which sets none; " + effect,
                std::string(s.type == "count" ? "set 'by' to what to group by"
                                              : "set 'by' to what makes a message a repeat") +
                    ", e.g. by = \"payload\" or by = \".id\"; or give the messages a key upstream "
                    "(a map stage with key = \"...\")");
  }
}

}  // namespace sluice::dsl::detail
