// count: counts messages per group (the value of `by`) and, at the end of
// the input, emits one message per group sorted by group (groups that read
// as numbers first, in numeric order, as `sort -n` would; then the others,
// byte by byte): payload
// "GROUP\tCOUNT" (format = "tsv") or {"group": "GROUP", "count": COUNT}
// (format = "json"), key = the group, value = the count, seq = its rank
// from 1. With `interval`, it also emits, every interval, the running totals
// of the groups whose count changed since the previous emission: an interval
// costs what came in during it, not the number of groups, and one in which
// nothing came emits nothing. So `out` counts groups per emission, not
// messages; the counts of the last emission (every group) add up to `in`.
//
// At most `max_groups` groups are kept: a message that would start one more
// fails (std::runtime_error naming the limit), and the stage's `on_error`
// decides (fail stops the run, drop and dead_letter go on counting the
// groups it has).
//
// With `workers = N` each instance counts into a table of its own, so a
// message costs a lookup in memory no other core writes, and no lock. Only
// a group new to an instance goes through a sharded set of every group's
// name, which is what max_groups bounds. The last instance to close adds the
// tables up and emits the totals; interval snapshots come from instance 0,
// which then reads the other tables under their locks (taken per message
// only when there is an interval).
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "builtins/builtins.hpp"
#include "builtins/expression_option.hpp"
#include "builtins/node_state.hpp"
#include "builtins/sharded_map.hpp"

namespace sluice::builtins {
namespace {

/// The group as a number, when all of it reads as one ("10", "-2.5").
std::optional<double> as_number(const std::string& group) {
  double v = 0;
  const char* end = group.data() + group.size();
  const auto [ptr, ec] = std::from_chars(group.data(), end, v);
  if (group.empty() || ec != std::errc() || ptr != end || std::isnan(v)) return std::nullopt;
  return v;
}

/// Numeric groups first, in numeric order ("2" before "10"), then the rest
/// in byte order: what a user of `sort -n` / `uniq -c` expects.
bool group_less(const std::string& a, const std::string& b) {
  const auto x = as_number(a);
  const auto y = as_number(b);
  if (x && y && *x != *y) return *x < *y;
  if (x.has_value() != y.has_value()) return x.has_value();
  return a < b;
}

constexpr std::size_t kShardsWhenShared = 16;
constexpr std::int64_t kDefaultMaxGroups = 1'000'000;

struct Group {
  std::uint64_t n{0};
  bool changed{false};  ///< listed in Table::changed
};

/// One instance's groups, and those changed since the last interval
/// snapshot (node pointers of an unordered_map stay valid when it rehashes).
/// On a cache line of its own: another instance's counting never touches it.
struct alignas(64) Table {
  using Map = std::unordered_map<std::string, Group, StringHash, std::equal_to<>>;
  std::mutex mu;  ///< only with an interval: instance 0 reads the table while its owner counts
  Map groups;
  std::vector<Map::value_type*> changed;
};

using Names = std::unordered_set<std::string, StringHash, std::equal_to<>>;
using Totals = std::vector<std::pair<std::string, std::uint64_t>>;

struct Counts {
  explicit Counts(std::size_t instances)
      : tables(instances), names(instances > 1 ? kShardsWhenShared : 1) {}
  std::vector<Table> tables;           ///< one per instance
  Sharded<Names> names;                ///< every group, when there are several instances
  std::atomic<std::size_t> groups{0};  ///< names' size; at most max_groups
  std::atomic<std::size_t> closed{0};  ///< instances that have seen the end of their input
};

class Count final : public Stage {
 public:
  explicit Count(const Options& o)
      : node_key_(&o),
        by_(compile_expression(o, "by")),
        json_(o.get_string("format") == "json"),
        interval_(o.has("interval") ? o.get_duration("interval") : 0),
        max_groups_(static_cast<std::size_t>(o.has("max_groups") ? o.get_int("max_groups")
                                                                 : kDefaultMaxGroups)) {}

  void open(Context& ctx) override {
    counts_ = node_state<Counts>(node_key_, ctx,
                                 [&] { return std::make_shared<Counts>(ctx.instances()); });
    // A restarted instance counts on in the table its predecessor filled.
    table_ = &counts_->tables[ctx.instance()];
    if (interval_ > 0 && ctx.instance() == 0) {
      next_ = saturating_add(ctx.now(), interval_);
      ctx.wake_at(next_);
    }
  }

  void process(Message&& m, Emitter&, Context&) override {
    scratch_.clear();
    by_.render(m, scratch_);
    std::unique_lock lock(table_->mu, std::defer_lock);
    if (interval_ > 0) lock.lock();
    if (!add_one(*table_)) {
      const std::string group = nlohmann::json(scratch_.substr(0, 100))
                                    .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      throw std::runtime_error("more than max_groups (" + std::to_string(max_groups_) +
                               ") groups: group " + group + " is not counted");
    }
  }

  void on_timer(Emitter& out, Context& ctx) override {
    const Nanos now = ctx.now();
    if (now < next_) {
      ctx.wake_at(next_);
      return;
    }
    if (interval_ <= 0) return;  // no snapshots asked for
    emit(changed_since_last(), out, now);
    while (next_ <= now) next_ = saturating_add(next_, interval_);
    ctx.wake_at(next_);
  }

  void close(Emitter& out, Context& ctx) override {
    if (counts_->closed.fetch_add(1, std::memory_order_acq_rel) + 1 == ctx.instances()) {
      emit(all(), out, ctx.now());
    }
  }

 private:
  /// Counts the message in its group (scratch_); false when that is a new
  /// group and there are max_groups already.
  bool add_one(Table& t) {
    auto it = t.groups.find(scratch_);
    if (it == t.groups.end()) {
      if (!admit_group()) return false;
      it = t.groups.emplace(scratch_, Group{}).first;
    }
    ++it->second.n;
    if (interval_ > 0 && !it->second.changed) {
      it->second.changed = true;
      t.changed.push_back(&*it);
    }
    return true;
  }

  /// A group new to this instance (scratch_): false when it is new to every
  /// instance and there are max_groups already.
  bool admit_group() {
    if (counts_->tables.size() == 1) return table_->groups.size() < max_groups_;
    return counts_->names.with(StringHash{}(scratch_), [&](Names& names) {
      if (names.contains(scratch_)) return true;
      if (counts_->groups.load(std::memory_order_relaxed) >= max_groups_) return false;
      counts_->groups.fetch_add(1, std::memory_order_relaxed);
      names.emplace(scratch_);
      return true;
    });
  }

  /// The groups changed since the last call, and their totals over every
  /// instance; O(changed x instances).
  Totals changed_since_last() {
    std::unordered_set<std::string_view> changed;
    for (Table& t : counts_->tables) {
      const std::lock_guard lock(t.mu);
      for (Table::Map::value_type* g : t.changed) {
        changed.insert(g->first);  // the node outlives this call: groups are never erased
        g->second.changed = false;
      }
      t.changed.clear();
    }
    Totals out;
    out.reserve(changed.size());
    for (const std::string_view group : changed) out.emplace_back(group, 0);
    for (Table& t : counts_->tables) {
      const std::lock_guard lock(t.mu);
      for (auto& [group, n] : out) {
        if (const auto it = t.groups.find(group); it != t.groups.end()) n += it->second.n;
      }
    }
    return out;
  }

  /// Every group's total; every instance has closed.
  Totals all() const {
    std::unordered_map<std::string_view, std::uint64_t> sum;
    for (const Table& t : counts_->tables) {
      for (const auto& [group, g] : t.groups) sum[group] += g.n;
    }
    return {sum.begin(), sum.end()};
  }

  void emit(Totals totals, Emitter& out, Nanos now) const {
    std::sort(totals.begin(), totals.end(),
              [](const auto& a, const auto& b) { return group_less(a.first, b.first); });
    std::uint64_t rank = 0;
    for (auto& [group, n] : totals) {
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
  const std::size_t max_groups_;
  std::shared_ptr<Counts> counts_;
  Table* table_{nullptr};  // this instance's, in counts_
  Nanos next_{0};
  std::string scratch_;
};

}  // namespace

StageType count_type() {
  StageType t;
  t.name = "count";
  t.doc =
      "counts messages per `by` group; emits one message per group, sorted, at the end (and "
      "every `interval` the groups changed since the last); out counts groups, not messages";
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
       .doc = "also emit, this often, the running totals of the groups whose count changed "
              "since the last emission; unset or 0 = only at the end",
       .min = 0},
      {.name = "max_groups",
       .type = OptionType::integer,
       .doc = "most groups kept; a message of one more fails, and `on_error` decides (fail, the "
              "default, stops the run)",
       .default_value = OptionValue::of(kDefaultMaxGroups),
       .min = 1,
       .max = 1e9},
  };
  // Without an interval it asks for no timer and emits only on close: it
  // can end a fused chain of maps and filters with as many workers.
  t.fusable = true;
  t.wire = [](Wiring& w) {
    if (w.options.has("interval") && w.options.get_duration("interval") > 0) {
      w.node.fusable = false;
    }
  };
  t.make = [](const Options& o) { return std::make_unique<Count>(o); };
  return t;
}

}  // namespace sluice::builtins
