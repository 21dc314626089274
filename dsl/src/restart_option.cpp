#include "restart_option.hpp"

#include <utility>

#include "schema_check.hpp"
#include "sluice/policy_options.hpp"

namespace sluice::dsl::detail {
namespace {

constexpr const char* kExample =
    "e.g. restart = { max_restarts = 5, within = \"1m\", backoff = { initial = \"100ms\", max = "
    "\"10s\" } }";

OptionValue table_of(Checked&& c) {
  OptionValue v;
  v.kind = OptionValue::Kind::table;
  v.table = std::move(c.values);
  return v;
}

}  // namespace

std::optional<OptionValue> load_restart(LoadContext& ctx, const toml::node& n,
                                        const std::string& where) {
  const auto* table = n.as_table();
  if (!table) {
    ctx.error("type-mismatch", ctx.span_of(n),
              "'restart'" + where + " must be a table, not " + std::string(type_name(n)), kExample);
    return std::nullopt;
  }
  Checked c =
      check_table(ctx, *table, restart_options(), " in 'restart'" + where, {}, ctx.span_of(n));
  const toml::node* backoff = table->get("backoff");
  if (backoff == nullptr) return table_of(std::move(c));
  const auto* backoff_table = backoff->as_table();
  if (!backoff_table) return std::nullopt;  // check_table reported its type
  Checked b = check_table(ctx, *backoff_table, restart_backoff_options(),
                          " in 'restart.backoff'" + where, {}, ctx.span_of(*backoff));
  const OptionValue* initial = b.find("initial");
  const OptionValue* most = b.find("max");
  if (initial && most && most->i < initial->i) {
    const auto it = b.spans.find("max");
    ctx.error("out-of-range", it != b.spans.end() ? it->second : ctx.span_of(*backoff),
              "'max' in 'restart.backoff'" + where + " is less than 'initial'",
              "the first restart waits `initial`; each later one twice as long, up to `max`");
  }
  OptionValue v = table_of(std::move(c));
  for (auto& [k, value] : v.table) {
    if (k == "backoff") value = table_of(std::move(b));
  }
  return v;
}

}  // namespace sluice::dsl::detail
