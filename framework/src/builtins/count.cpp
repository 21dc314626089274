// count: counts messages per group (the value of `by`) and, at the end of
// the input, emits one message per group sorted by group: payload
// "GROUP\tCOUNT" (format = "tsv") or {"group": "GROUP", "count": COUNT}
// (format = "json"), key = the group, value = the count, seq = its rank
// from 1. With `interval`, it also emits the running totals so far every
// interval. So `out` counts groups per emission, not messages; the counts
// of the last emission add up to `in`.
//
// With `workers = N` the instances count into one sharded map and the last
// one to close emits the totals; interval snapshots come from instance 0.
#include <atomic>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "builtins/builtins.hpp"
#include "builtins/expression_option.hpp"
#include "builtins/node_state.hpp"
#include "builtins/sharded_map.hpp"

namespace sluice::builtins {
namespace {

constexpr std::size_t kShardsWhenShared = 16;

struct Counts {
  explicit Counts(std::size_t shards) : groups(shards) {}
  ShardedMap<std::uint64_t> groups;
  std::atomic<std::size_t> closed{0};  ///< instances that have seen the end of their input
};

class Count final : public Stage {
 public:
  explicit Count(const Options& o)
      : node_key_(&o),
        by_(compile_expression(o, "by")),
        json_(o.get_string("format") == "json"),
        interval_(o.has("interval") ? o.get_duration("interval") : 0) {}

  void open(Context& ctx) override {
    const std::size_t shards = ctx.instances() > 1 ? kShardsWhenShared : 1;
    counts_ = node_state<Counts>(node_key_, ctx, [&] { return std::make_shared<Counts>(shards); });
    if (interval_ > 0 && ctx.instance() == 0) {
      next_ = saturating_add(ctx.now(), interval_);
      ctx.wake_at(next_);
    }
  }

  void process(Message&& m, Emitter&, Context&) override {
    scratch_.clear();
    by_.render(m, scratch_);
    counts_->groups.update(scratch_, [](std::uint64_t& n) { ++n; });
  }

  void on_timer(Emitter& out, Context& ctx) override {
    const Nanos now = ctx.now();
    if (now < next_) {
      ctx.wake_at(next_);
      return;
    }
    emit_all(out, now);
    while (next_ <= now) next_ = saturating_add(next_, interval_);
    ctx.wake_at(next_);
  }

  void close(Emitter& out, Context& ctx) override {
    if (counts_->closed.fetch_add(1, std::memory_order_acq_rel) + 1 == ctx.instances()) {
      emit_all(out, ctx.now());
    }
  }

 private:
  void emit_all(Emitter& out, Nanos now) {
    std::uint64_t rank = 0;
    for (auto& [group, n] : counts_->groups.snapshot()) {
      Message m;
      m.seq = ++rank;
      m.ingest_ns = now;
      m.value = static_cast<std::int64_t>(n);
      if (json_) {
        m.payload = "{\"group\": ";
        m.payload +=
            nlohmann::json(group).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        m.payload += ", \"count\": " + std::to_string(n) + "}";
      } else {
        m.payload = group + "\t" + std::to_string(n);
      }
      m.key = std::move(group);
      out.emit(std::move(m));
    }
  }

  const void* const node_key_;  // finds the counts shared with the other instances
  const expr::Expression by_;
  const bool json_;
  const Nanos interval_;
  std::shared_ptr<Counts> counts_;
  Nanos next_{0};
  std::string scratch_;
};

}  // namespace

StageType count_type() {
  StageType t;
  t.name = "count";
  t.doc =
      "counts messages per `by` group; emits one message per group, sorted, at the end (and "
      "every `interval`); out counts groups, not messages";
  t.schema.options = {
      {.name = "by",
       .type = OptionType::expression,
       .doc = "the group of a message, e.g. '.status' or 'key'",
       .default_value = OptionValue::of("key")},
      {.name = "format",
       .type = OptionType::string,
       .doc = "tsv: \"GROUP<tab>COUNT\"; json: {\"group\": GROUP, \"count\": COUNT}",
       .default_value = OptionValue::of("tsv"),
       .choices = {"tsv", "json"}},
      {.name = "interval",
       .type = OptionType::duration,
       .doc = "also emit the running totals this often; unset or 0 = only at the end",
       .min = 0},
  };
  t.make = [](const Options& o) { return std::make_unique<Count>(o); };
  return t;
}

}  // namespace sluice::builtins
