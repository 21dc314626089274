// gate in control mode: `inputs = [data, control]`. While the gate is closed
// it takes nothing from its data input, so messages wait on that edge
// (bounded, under the edge's overflow policy), and what it was handed just
// before it closed waits inside it; while it is open they pass in order.
// Each control message is evaluated (open_when while closed, close_when
// while open) and consumed: counted filtered. in = out + filtered.
//
// If the control input ends while the gate is closed, nothing can open it any
// more: the gate logs it and stops (what waits inside is counted filtered and
// producers nobody else reads stop), rather than hold its input forever.
// One instance: a control message reaches only the instance that takes it,
// so `workers = N` (N > 1) fails the run when it opens, naming the stage.
#include "builtins/control_gate.hpp"

#include <fmt/format.h>

#include <deque>
#include <optional>
#include <stdexcept>

#include "builtins/expression_option.hpp"

namespace sluice::builtins {
namespace {

constexpr std::size_t kData = 0;
constexpr std::size_t kControl = 1;

class ControlGate final : public Stage {
 public:
  explicit ControlGate(const Options& o)
      : open_when_(compile_expression(o, "open_when")), open_(o.get_string("initially") == "open") {
    if (o.has("close_when")) close_when_.emplace(compile_expression(o, "close_when"));
  }

  void open(Context& ctx) override {
    if (ctx.instances() > 1) {
      throw std::invalid_argument(fmt::format(
          "a gate with open_when runs as one instance, not {} (workers): a control message "
          "would open or close only the instance that takes it; remove workers",
          ctx.instances()));
    }
  }

  void process(Message&& m, Emitter& out, Context& ctx) override {
    if (ctx.input_index() == kControl) {
      control(m, ctx);
      return;
    }
    if (open_ && held_.empty()) {
      out.emit(std::move(m));
    } else {
      held_.push_back(std::move(m));  // taken just before it closed: first in line
    }
  }
  [[nodiscard]] bool accepts(std::size_t input) const noexcept override {
    return input != kData || open_;  // control messages are always taken
  }
  [[nodiscard]] std::size_t held() const noexcept override { return held_.size(); }
  void release(Emitter& out, Context&, std::size_t room) override {
    for (; open_ && room > 0 && !held_.empty(); --room) {
      out.emit(std::move(held_.front()));
      held_.pop_front();
    }
  }
  void input_ended(std::size_t input, Emitter&, Context& ctx) override {
    if (input != kControl || open_) return;
    ctx.log(LogLevel::warn,
            "the control input ended with the gate closed: nothing can open it; stopping");
    ctx.request_stop();
  }
  void close(Emitter& out, Context& ctx) override {
    if (open_) {
      release(out, ctx, held_.size());
      return;
    }
    if (!held_.empty()) {
      ctx.log(LogLevel::warn, fmt::format("{} messages held behind the closed gate when it ended; "
                                          "counted filtered",
                                          held_.size()));
      ctx.count_filtered(held_.size());
      held_.clear();
    }
  }

 private:
  void control(const Message& m, Context& ctx) {
    ctx.count_filtered();  // a control message is consumed
    if (!open_ && open_when_.test(m)) {
      open_ = true;
      ctx.add_counter("opened");
      ctx.log(LogLevel::info, fmt::format("opened by control message seq {}", m.seq));
    } else if (open_ && close_when_ && close_when_->test(m)) {
      open_ = false;
      ctx.add_counter("closed");
      ctx.log(LogLevel::info, fmt::format("closed by control message seq {}", m.seq));
    }
  }

  expr::Expression open_when_;
  std::optional<expr::Expression> close_when_;
  bool open_;
  std::deque<Message> held_;
};

}  // namespace

std::unique_ptr<Stage> make_control_gate(const Options& o) {
  return std::make_unique<ControlGate>(o);
}

}  // namespace sluice::builtins
