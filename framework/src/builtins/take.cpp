// take: passes the first `count` messages, then asks the runtime to stop
// it, which detaches its inputs: a producer that nobody else consumes sees
// its outputs die and stops too, so `take` after an endless source ends the
// run. Whatever reaches it after that is counted filtered, so
// in = out + filtered (+ dropped when nothing is wired to its output).
// With `workers = N` the instances share one count.
#include <atomic>
#include <cstdint>
#include <memory>

#include "builtins/builtins.hpp"
#include "builtins/node_state.hpp"

namespace sluice::builtins {
namespace {

class Take final : public Stage {
 public:
  explicit Take(const Options& o)
      : node_key_(&o), count_(static_cast<std::uint64_t>(o.get_int("count"))) {}

  void open(Context& ctx) override {
    taken_ = node_state<std::atomic<std::uint64_t>>(
        node_key_, ctx, [] { return std::make_shared<std::atomic<std::uint64_t>>(0); });
    if (count_ == 0) ctx.request_stop();
  }

  void process(Message&& m, Emitter& out, Context& ctx) override {
    const std::uint64_t n = taken_->fetch_add(1, std::memory_order_relaxed);
    if (n < count_) {
      out.emit(std::move(m));
    } else {
      ctx.count_filtered();  // another instance took the last one
    }
    if (n + 1 >= count_) ctx.request_stop();
  }

 private:
  const void* const node_key_;  // finds the count shared with the other instances
  const std::uint64_t count_;
  std::shared_ptr<std::atomic<std::uint64_t>> taken_;
};

}  // namespace

StageType take_type() {
  StageType t;
  t.name = "take";
  t.doc =
      "passes the first `count` messages, then stops everything upstream that has no other "
      "consumer; in = out + filtered";
  t.schema.options = {
      {.name = "count",
       .type = OptionType::integer,
       .doc = "messages to pass",
       .min = 0,
       .required = true},
  };
  t.make = [](const Options& o) { return std::make_unique<Take>(o); };
  return t;
}

}  // namespace sluice::builtins
