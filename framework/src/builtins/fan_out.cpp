// fan_out: spreads messages over ports "0".."outputs-1".
//   broadcast    every port gets a copy: out = in * outputs (less what went
//                to unwired ports, counted dropped);
//   round_robin  port 0, 1, ..., outputs-1, 0, ... per instance;
//   hash         port = mix(FNV-1a(`by` rendered as text)) mod outputs, so
//                the same value always reaches the same port, in every run.
// round_robin and hash send each message to one port: in = out + dropped.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "builtins/bad_option.hpp"
#include "builtins/builtins.hpp"
#include "builtins/expression_option.hpp"

namespace sluice::builtins {
namespace {

enum class Mode { broadcast, round_robin, hash };

Mode parse_mode(const std::string& s) {
  if (s == "broadcast") return Mode::broadcast;
  if (s == "round_robin") return Mode::round_robin;
  if (s == "hash") return Mode::hash;
  throw std::invalid_argument("unknown fan_out mode '" + s + "'");
}

std::uint64_t fnv1a(std::string_view text) noexcept {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

// FNV-1a's low bits depend only on the low bits of each byte; a splitmix64
// finaliser spreads every bit before the modulo.
std::uint64_t finalise(std::uint64_t x) noexcept {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class FanOut final : public Stage {
 public:
  explicit FanOut(const Options& o)
      : mode_(parse_mode(o.get_string("mode"))),
        outputs_(static_cast<std::size_t>(o.get_int("outputs"))) {
    if (mode_ == Mode::hash) {
      if (!o.has("by")) {
        throw BadOption("mode", "'mode' is \"hash\" but no 'by' is given", 0,
                        "add by = 'key' (or another expression): its value picks the port");
      }
      by_.emplace(compile_expression(o, "by"));
    }
  }

  void open(Context& ctx) override { next_ = ctx.instance() % outputs_; }

  void process(Message&& m, Emitter& out, Context&) override {
    switch (mode_) {
      case Mode::broadcast:
        for (std::size_t p = 1; p < outputs_; ++p) out.emit(p, Message(m));
        out.emit(0, std::move(m));
        return;
      case Mode::round_robin: {
        const std::size_t p = next_;
        next_ = next_ + 1 == outputs_ ? 0 : next_ + 1;
        out.emit(p, std::move(m));
        return;
      }
      case Mode::hash: {
        scratch_.clear();
        by_->render(m, scratch_);
        out.emit(static_cast<std::size_t>(finalise(fnv1a(scratch_)) % outputs_), std::move(m));
        return;
      }
    }
  }

 private:
  const Mode mode_;
  const std::size_t outputs_;
  std::optional<expr::Expression> by_;
  std::size_t next_{0};
  std::string scratch_;
};

}  // namespace

StageType fan_out_type() {
  StageType t;
  t.name = "fan_out";
  t.doc =
      "spreads messages over ports 0..outputs-1 (broadcast, round_robin, or hash of `by`); "
      "broadcast: out = in * outputs, otherwise in = out + dropped";
  t.schema.options = {
      {.name = "mode",
       .type = OptionType::string,
       .doc = "broadcast: a copy to every port; round_robin: in turn; hash: by `by`",
       .default_value = OptionValue::of("broadcast"),
       .choices = {"broadcast", "round_robin", "hash"}},
      {.name = "by",
       .type = OptionType::expression,
       .doc = "with mode = \"hash\": the value whose hash picks the port, e.g. 'key'"},
      {.name = "outputs",
       .type = OptionType::integer,
       .doc = "number of output ports, named \"0\"..\"outputs-1\"",
       .default_value = OptionValue::of(2),
       .min = 1,
       .max = 1024},
  };
  t.ports = [](const Options& o) {
    std::vector<std::string> ports;
    const auto n = o.get_int("outputs");
    for (std::int64_t i = 0; i < n; ++i) ports.push_back(std::to_string(i));
    return ports;
  };
  t.make = [](const Options& o) { return std::make_unique<FanOut>(o); };
  return t;
}

}  // namespace sluice::builtins
