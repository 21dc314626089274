// generate: a source of `count` messages (0 = endless) made from templates,
// optionally paced at `rate` messages per second on the timer service.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "builtins/builtins.hpp"
#include "builtins/template_option.hpp"
#include "sluice/errors.hpp"

namespace sluice::builtins {
namespace {

/// The largest integer a double holds exactly: 2^53 - 1.
constexpr std::uint64_t kExactInJson = (std::uint64_t{1} << 53) - 1;

std::uint64_t mix(std::uint64_t x) noexcept {  // splitmix64: trace ids that look random
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// What a template without expressions renders to, worked out once; nullopt
/// for one that depends on the message.
std::optional<std::string> constant_text(const expr::Template& t) {
  if (!t.is_constant()) return std::nullopt;
  std::string text;
  t.render(Message{}, text);
  return text;
}

/// Writes template `t` for `m` into the empty `out`: its constant `text`
/// when it has one (a source makes millions a second; most fields are).
void render_into(const expr::Template& t, const std::optional<std::string>& text, const Message& m,
                 std::string& out) {
  if (!text) {
    t.render(m, out);
  } else if (!text->empty()) {
    out = *text;
  }
}

std::int32_t as_priority(std::string_view text) {
  std::int32_t p = 0;
  std::from_chars(text.data(), text.data() + text.size(), p);
  return p;
}

class Generate final : public Source {
 public:
  explicit Generate(const Options& o)
      : count_(static_cast<std::uint64_t>(o.get_int("count"))),
        rate_(o.get_double("rate")),
        payload_(compile_template(o, "payload")),
        key_(compile_template(o, "key")),
        priority_(compile_template(o, "priority")),
        payload_text_(constant_text(payload_)),
        key_text_(constant_text(key_)),
        fail_every_(static_cast<std::uint64_t>(o.get_int("fail_every"))) {
    if (const auto text = constant_text(priority_)) priority_value_ = as_priority(*text);
  }

  void open(Context& ctx) override {
    start_ = ctx.now();
    salt_ = std::hash<std::string_view>{}(ctx.stage_name()) ^ ctx.instance();
  }

  SourceStatus produce(Emitter& out, Context& ctx, std::size_t budget) override {
    const Nanos now = ctx.now();
    std::uint64_t n = budget;
    if (count_ > 0) n = std::min<std::uint64_t>(n, count_ - emitted_);
    if (rate_ > 0) {
      // A float past 2^64 has no integer: converting it is undefined (1e25 spun forever).
      const double due_f = to_seconds(now - start_) * rate_ + 1;
      const std::uint64_t due =
          due_f < 1.8e19 ? static_cast<std::uint64_t>(due_f) : std::uint64_t{1} << 63;
      n = std::min<std::uint64_t>(n, due > emitted_ ? due - emitted_ : 0);
      if (n == 0) {
        const double wait = std::ceil(static_cast<double>(emitted_) / rate_ * 1e9);
        const Nanos next = wait < 9e18 ? saturating_add(start_, static_cast<Nanos>(wait))
                                       : std::numeric_limits<Nanos>::max();
        ctx.wake_at(std::max(next, now + 1));
        return SourceStatus::wait;
      }
    }
    for (std::uint64_t i = 0; i < n; ++i) {
      if (fail_every_ > 0 && emitted_ > failed_at_ && emitted_ % fail_every_ == 0) {
        failed_at_ = emitted_;  // once per fail_every: the next call goes on
        throw TransientError("injected failure after message " + std::to_string(emitted_));
      }
      Message& m = out.emplace();
      m.seq = ++emitted_;
      // 53 bits: a JSON number every reader (jq, JavaScript) reads exactly.
      m.trace_id = mix(m.seq ^ salt_) & kExactInJson;
      m.ingest_ns = now;
      m.value = static_cast<std::int64_t>(m.seq);
      render_into(payload_, payload_text_, m, m.payload);
      render_into(key_, key_text_, m, m.key);
      m.priority = priority_value_ ? *priority_value_ : render_priority(m);
    }
    return count_ > 0 && emitted_ >= count_ ? SourceStatus::done : SourceStatus::more;
  }

 private:
  std::int32_t render_priority(const Message& m) {
    scratch_.clear();
    priority_.render(m, scratch_);
    return as_priority(scratch_);
  }

  const std::uint64_t count_;
  const double rate_;
  const expr::Template payload_, key_, priority_;
  const std::optional<std::string> payload_text_, key_text_;
  std::optional<std::int32_t> priority_value_;
  const std::uint64_t fail_every_;
  std::uint64_t emitted_{0};
  std::uint64_t failed_at_{0};
  Nanos start_{0};
  std::uint64_t salt_{0};
  std::string scratch_;
};

}  // namespace

StageType generate_type() {
  StageType t;
  t.name = "generate";
  t.doc = "emits messages made from templates; seq counts from 1";
  t.schema.options = {
      {.name = "count",
       .type = OptionType::integer,
       .doc = "messages to emit; 0 = endless",
       .default_value = OptionValue::of(0),
       .min = 0},
      {.name = "rate",
       .type = OptionType::floating,
       .doc = "messages per second; 0 = as fast as downstream takes them",
       .default_value = OptionValue::of(0.0),
       .min = 0,
       .max = 1e9},
      {.name = "payload",
       .type = OptionType::template_,
       .doc = "payload template",
       .default_value = OptionValue::of("{seq}")},
      {.name = "key",
       .type = OptionType::template_,
       .doc = "key template",
       .default_value = OptionValue::of("")},
      {.name = "priority",
       .type = OptionType::template_,
       .doc = "priority template (an integer)",
       .default_value = OptionValue::of("0")},
      {.name = "fail_every",
       .type = OptionType::integer,
       .doc = "fault injection: produce throws (transient) once after every N messages, to try "
              "`retry` and `restart`; 0 = never",
       .default_value = OptionValue::of(0),
       .min = 0},
  };
  t.make = [](const Options& o) { return std::make_unique<Generate>(o); };
  return t;
}

}  // namespace sluice::builtins
