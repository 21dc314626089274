// dedupe: lets a message through only if the value of `by` was not let
// through before, among the last `capacity` values admitted and, with `ttl`,
// within `ttl` of its admission; repeats are counted filtered, so
// in = out + filtered. Eviction is first-in first-out: a repeat does not
// refresh its value, so a value is remembered for at most `ttl` after it
// was first seen and then passes once more.
//
// With `workers = N` the instances share the memory: a sharded map of 16
// shards, each holding up to `capacity` values. A value is forgotten only
// once `capacity` newer values reached its shard, so the last `capacity`
// values are always remembered, whatever the hashing; the price is up to
// 16 x `capacity` values in memory. With one worker it is one shard and the
// capacity is exact.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "builtins/builtins.hpp"
#include "builtins/expression_option.hpp"
#include "builtins/node_state.hpp"
#include "builtins/sharded_map.hpp"

namespace sluice::builtins {
namespace {

constexpr std::size_t kShardsWhenShared = 16;

/// The values admitted into one shard, oldest first.
class Admitted {
 public:
  /// True when `value` is new (and now remembered), false for a repeat.
  bool admit(std::string_view value, Nanos now, std::size_t capacity, Nanos ttl) {
    while (!order_.empty() && ttl > 0 && saturating_add(order_.front().at, ttl) <= now)
      forget_oldest();
    if (seen_.find(value) != seen_.end()) return false;
    while (order_.size() >= capacity) forget_oldest();
    auto it = seen_.emplace(std::string(value), now).first;
    order_.push_back({&it->first, now});
    return true;
  }

 private:
  struct Entry {
    const std::string* value;  // the key in seen_: node-based, stable
    Nanos at;
  };
  void forget_oldest() {
    seen_.erase(*order_.front().value);
    order_.pop_front();
  }

  std::unordered_map<std::string, Nanos, StringHash, std::equal_to<>> seen_;
  std::deque<Entry> order_;
};

class Dedupe final : public Stage {
 public:
  explicit Dedupe(const Options& o)
      : node_key_(&o),
        by_(compile_expression(o, "by")),
        capacity_(static_cast<std::size_t>(o.get_int("capacity"))),
        ttl_(o.has("ttl") ? o.get_duration("ttl") : 0) {}

  void open(Context& ctx) override {
    const std::size_t shards = ctx.instances() > 1 ? kShardsWhenShared : 1;
    state_ = node_state<Sharded<Admitted>>(
        node_key_, ctx, [&] { return std::make_shared<Sharded<Admitted>>(shards); });
  }

  void process(Message&& m, Emitter& out, Context& ctx) override {
    scratch_.clear();
    by_.render(m, scratch_);
    const Nanos now = ctx.now();
    const bool fresh = state_->with(StringHash{}(scratch_), [&](Admitted& a) {
      return a.admit(scratch_, now, capacity_, ttl_);
    });
    if (fresh) {
      out.emit(std::move(m));
    } else {
      ctx.count_filtered();
    }
  }

 private:
  const void* const node_key_;  // finds the memory shared with the other instances
  const expr::Expression by_;
  const std::size_t capacity_;
  const Nanos ttl_;
  std::shared_ptr<Sharded<Admitted>> state_;
  std::string scratch_;
};

}  // namespace

StageType dedupe_type() {
  StageType t;
  t.name = "dedupe";
  t.doc =
      "drops repeats of `by` among the last `capacity` values (and within `ttl`); "
      "in = out + filtered";
  t.schema.options = {
      {.name = "by",
       .type = OptionType::expression,
       .doc = "the value that identifies a repeat",
       .default_value = OptionValue::of("key")},
      {.name = "capacity",
       .type = OptionType::integer,
       .doc = "most values remembered; the oldest is forgotten first",
       .default_value = OptionValue::of(100000),
       .min = 1,
       .max = 100'000'000},
      {.name = "ttl",
       .type = OptionType::duration,
       .doc = "how long a value is remembered after it was let through; unset = until evicted",
       .min = 0},
  };
  t.make = [](const Options& o) { return std::make_unique<Dedupe>(o); };
  return t;
}

}  // namespace sluice::builtins
