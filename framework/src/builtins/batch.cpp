// batch: joins up to `size` payloads with `separator` into one message, which
// keeps the other fields (key, seq, attrs...) of the batch's first message
// and carries the number of messages joined in `value`. A batch that is not
// full goes out `timeout` after its first message arrived (a timer, not a
// sleeping thread), or at once when the input ends. So `out` counts batches
// and in = the sum of their sizes.
#include <memory>
#include <string>

#include "builtins/builtins.hpp"

namespace sluice::builtins {
namespace {

class Batch final : public Stage {
 public:
  explicit Batch(const Options& o)
      : size_(static_cast<std::size_t>(o.get_int("size"))),
        separator_(o.get_string("separator")),
        timeout_(o.get_duration("timeout")) {}

  void process(Message&& m, Emitter& out, Context& ctx) override {
    if (held_ == 0) {
      due_ = saturating_add(ctx.now(), timeout_);
      batch_ = std::move(m);
    } else {
      batch_.payload.append(separator_);
      batch_.payload.append(m.payload);
      batch_.ack = AckRef::join(std::move(batch_.ack), std::move(m.ack));  // done when the batch is
    }
    ++held_;
    if (held_ >= size_) {
      flush(out);
    } else if (held_ == 1) {
      ctx.wake_at(due_);
    }
  }

  void on_timer(Emitter& out, Context& ctx) override {
    if (held_ == 0) return;  // the batch this timer was for filled up
    if (ctx.now() >= due_) {
      flush(out);
    } else {
      ctx.wake_at(due_);  // armed for an earlier batch: wait for this one's due time
    }
  }

  [[nodiscard]] std::size_t held() const noexcept override { return held_; }

  void close(Emitter& out, Context&) override {
    if (held_ > 0) flush(out);
  }

 private:
  void flush(Emitter& out) {
    batch_.value = static_cast<std::int64_t>(held_);
    out.emit(std::move(batch_));
    batch_ = Message();
    held_ = 0;
  }

  const std::size_t size_;
  const std::string separator_;
  const Nanos timeout_;
  Message batch_;
  std::size_t held_{0};
  Nanos due_{0};
};

}  // namespace

StageType batch_type() {
  StageType t;
  t.name = "batch";
  t.doc =
      "joins up to `size` payloads with `separator`, flushing `timeout` after a batch's first "
      "message; out counts batches, in the messages in them";
  t.schema.options = {
      {.name = "size",
       .type = OptionType::integer,
       .doc = "most messages per batch",
       .default_value = OptionValue::of(100),
       .min = 1,
       .max = 1'000'000},
      {.name = "separator",
       .type = OptionType::string,
       .doc = "put between two payloads",
       .default_value = OptionValue::of("\n")},
      {.name = "timeout",
       .type = OptionType::duration,
       .doc = "longest a message waits for its batch to fill",
       .default_value = OptionValue::duration(kNanosPerSecond),
       .min = 0},
  };
  t.make = [](const Options& o) { return std::make_unique<Batch>(o); };
  return t;
}

}  // namespace sluice::builtins
