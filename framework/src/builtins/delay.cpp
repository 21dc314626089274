// delay: holds each message for `duration`, then passes it on, in order.
// Waiting is a timer, not a thread: any number of messages may be held.
#include <deque>
#include <memory>

#include "builtins/builtins.hpp"

namespace sluice::builtins {
namespace {

class Delay final : public Stage {
 public:
  explicit Delay(const Options& o) : duration_(o.get_duration("duration")) {}

  void process(Message&& m, Emitter& out, Context& ctx) override {
    const Nanos due = saturating_add(ctx.now(), duration_);
    if (held_.empty() && duration_ <= 0) {
      out.emit(std::move(m));
      return;
    }
    held_.push_back({due, std::move(m)});
    if (held_.size() == 1) ctx.wake_at(due);
  }

  void on_timer(Emitter& out, Context& ctx) override {
    const Nanos now = ctx.now();
    while (!held_.empty() && held_.front().due <= now) {
      out.emit(std::move(held_.front().message));
      held_.pop_front();
    }
    if (!held_.empty()) ctx.wake_at(held_.front().due);
  }

  [[nodiscard]] std::size_t held() const noexcept override { return held_.size(); }

 private:
  struct Held {
    Nanos due;
    Message message;
  };
  const Nanos duration_;
  std::deque<Held> held_;
};

}  // namespace

StageType delay_type() {
  StageType t;
  t.name = "delay";
  t.doc = "holds each message for `duration` without occupying a thread";
  t.schema.options = {
      {.name = "duration",
       .type = OptionType::duration,
       .doc = "how long to hold each message",
       .min = 0,
       .required = true},
  };
  t.make = [](const Options& o) { return std::make_unique<Delay>(o); };
  return t;
}

}  // namespace sluice::builtins
