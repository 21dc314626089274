// priority: lanes of waiting messages, released as the outputs make room.
// The lanes are the stage's inputs in order (first = highest) or, with one
// input, the message's `priority` (0 = highest, clamped to `lanes` - 1).
// `strict` always serves the highest non-empty lane; `weighted` serves lane i
// up to weights[i] messages in turn (weighted round-robin: 3:1 gives 75% /
// 25% while both lanes are full). With `max_wait`, a message that has waited
// that long in its lane goes next, whatever its lane, so no lane starves.
// Every message goes out once: in = out.
#include <algorithm>
#include <deque>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "builtins/builtins.hpp"

namespace sluice::builtins {
namespace {

constexpr std::int64_t kMaxLanes = 64;
constexpr std::int64_t kDefaultLanes = 3;

/// A weights entry as the file spells it, for an error message.
std::string spelled(const OptionValue& v) {
  switch (v.kind) {
    case OptionValue::Kind::integer:
      return std::to_string(v.i);
    case OptionValue::Kind::floating: {
      std::ostringstream s;
      s << v.f;
      return s.str() + " (a float)";
    }
    case OptionValue::Kind::string:
      return "\"" + v.str + "\" (a string)";
    case OptionValue::Kind::boolean:
      return v.b ? "true" : "false";
    case OptionValue::Kind::list:
      return "an array";
    case OptionValue::Kind::table:
      return "a table";
    case OptionValue::Kind::duration:
    case OptionValue::Kind::none:
      break;
  }
  return "not an integer";
}

/// `weights`, checked entry by entry (the schema can only say "a list"), and
/// against `lanes` when both are given. What depends on the stage's inputs
/// is checked in open().
std::vector<std::int64_t> weights_of(const Options& o) {
  std::vector<std::int64_t> weights;
  const OptionValue* w = o.find("weights");
  if (w == nullptr) return weights;
  if (w->list.empty()) {
    throw std::invalid_argument(
        "'weights' is empty: give one integer >= 1 per lane, highest lane first, e.g. [4, 2, 1]");
  }
  if (static_cast<std::int64_t>(w->list.size()) > kMaxLanes) {
    throw std::invalid_argument("'weights' has " + std::to_string(w->list.size()) +
                                " entries: at most " + std::to_string(kMaxLanes) + " lanes");
  }
  for (std::size_t i = 0; i < w->list.size(); ++i) {
    const OptionValue& v = w->list[i];
    if (v.kind != OptionValue::Kind::integer || v.i < 1) {
      throw std::invalid_argument("'weights' must be integers >= 1, but entry " +
                                  std::to_string(i + 1) + " is " + spelled(v));
    }
    weights.push_back(v.i);
  }
  if (o.has("lanes") && o.get_int("lanes") != static_cast<std::int64_t>(weights.size())) {
    throw std::invalid_argument("'weights' has " + std::to_string(weights.size()) +
                                " entries but 'lanes' is " + std::to_string(o.get_int("lanes")) +
                                ": give one weight per lane (or leave 'lanes' out)");
  }
  return weights;
}

class Priority final : public Stage {
 public:
  explicit Priority(const Options& o)
      : weighted_(o.get_string("policy") == "weighted"),
        max_wait_(o.has("max_wait") ? o.get_duration("max_wait") : 0),
        weights_(weights_of(o)),
        lanes_given_(o.has("lanes")),
        single_lanes_(static_cast<std::size_t>(
            lanes_given_ ? o.get_int("lanes")
                         : (weights_.empty() ? kDefaultLanes
                                             : static_cast<std::int64_t>(weights_.size())))) {}

  void open(Context& ctx) override {
    by_input_ = ctx.input_count() > 1;
    const std::size_t n = by_input_ ? ctx.input_count() : single_lanes_;
    if (by_input_ && lanes_given_) {
      throw std::invalid_argument("'lanes' is " + std::to_string(single_lanes_) + ", but with " +
                                  std::to_string(n) +
                                  " inputs the lanes are the inputs: leave 'lanes' out");
    }
    if (!weights_.empty() && weights_.size() != n) {
      throw std::invalid_argument("'weights' has " + std::to_string(weights_.size()) +
                                  " entries for " + std::to_string(n) +
                                  " lanes (the stage's inputs, first = highest)");
    }
    lanes_.resize(n);
    if (weights_.empty()) weights_.assign(n, 1);
  }

  void process(Message&& m, Emitter&, Context& ctx) override {
    std::size_t lane = ctx.input_index();
    if (!by_input_) {
      lane = static_cast<std::size_t>(std::clamp<std::int64_t>(m.priority, 0, lanes_.size() - 1));
    }
    lanes_[lane].push_back({ctx.now(), std::move(m)});
    ++held_;
  }

  /// At most one lane's share per call, whatever room the outputs have: the
  /// runtime tops every lane up from its input before each call, so a lane
  /// whose input still has messages never runs dry within one, and what goes
  /// out follows the policy rather than the order the inputs were read in.
  void release(Emitter& out, Context& ctx, std::size_t room) override {
    const Nanos now = ctx.now();
    for (room = std::min(room, kLaneShare); room > 0 && held_ > 0; --room) {
      auto& lane = lanes_[pick(now)];
      out.emit(std::move(lane.front().message));
      lane.pop_front();
      --held_;
    }
  }

  [[nodiscard]] std::size_t held() const noexcept override { return held_; }

  /// Each lane takes input until it holds its share, so that while the
  /// outputs are the bottleneck every lane with waiting input stays filled.
  [[nodiscard]] bool accepts(std::size_t input) const noexcept override {
    if (!by_input_) return held_ < kLaneShare * lanes_.size();
    return input < lanes_.size() && lanes_[input].size() < kLaneShare;
  }

 private:
  struct Waiting {
    Nanos arrived;
    Message message;
  };

  std::size_t pick(Nanos now) {
    const std::size_t chosen = weighted_ ? next_weighted() : highest();
    if (max_wait_ > 0) {
      // Aging: the oldest head of another lane that has waited max_wait goes
      // first, so a busy lane cannot hold a quiet one back past max_wait.
      std::size_t overdue = lanes_.size();
      for (std::size_t i = 0; i < lanes_.size(); ++i) {
        if (i == chosen || lanes_[i].empty()) continue;
        const Nanos arrived = lanes_[i].front().arrived;
        if (now - arrived < max_wait_) continue;
        if (overdue == lanes_.size() || arrived < lanes_[overdue].front().arrived) overdue = i;
      }
      if (overdue != lanes_.size()) return overdue;  // the weighted turn is not spent on it
    }
    if (weighted_) ++served_;
    return chosen;
  }

  [[nodiscard]] std::size_t highest() const {
    for (std::size_t i = 0; i < lanes_.size(); ++i) {
      if (!lanes_[i].empty()) return i;
    }
    return 0;  // unreachable while held_ > 0
  }

  /// Weighted round-robin: the lane whose turn it is, for its weight, skipping
  /// empty lanes. Moves the turn on but counts nothing: pick() does.
  std::size_t next_weighted() {
    for (std::size_t tries = 0; tries <= lanes_.size(); ++tries) {
      if (!lanes_[turn_].empty() && served_ < weights_[turn_]) return turn_;
      turn_ = (turn_ + 1) % lanes_.size();
      served_ = 0;
    }
    turn_ = highest();
    served_ = 0;
    return turn_;
  }

  static constexpr std::size_t kLaneShare = 256;

  const bool weighted_;
  const Nanos max_wait_;
  std::vector<std::int64_t> weights_;
  const bool lanes_given_;
  const std::size_t single_lanes_;
  bool by_input_{false};
  std::vector<std::deque<Waiting>> lanes_;
  std::size_t held_{0};
  std::size_t turn_{0};
  std::int64_t served_{0};
};

/// With several inputs, a priority stage's lanes are its inputs: `weights`
/// needs one entry per input and `lanes` has no place (the stage itself only
/// finds out when it opens; `sluice check` says it at the option).
std::vector<StageProblem> check_lanes(const StageView& s) {
  std::vector<StageProblem> out;
  const std::string name = "'" + std::string(s.name) + "'";
  if (s.has("lanes") && s.inputs >= 2) {
    out.push_back({"bad-option", "lanes",
                   "'lanes' in stage " + name + " has no effect: with " + std::to_string(s.inputs) +
                       " inputs the lanes are the inputs",
                   "leave 'lanes' out; it counts the lanes of one input's message priorities"});
  }
  const OptionValue* weights = s.options.find("weights");
  if (weights == nullptr || s.inputs < 2 || weights->list.size() == s.inputs) return out;
  out.push_back({"bad-option", "weights",
                 "'weights' in stage " + name + " has " + std::to_string(weights->list.size()) +
                     (weights->list.size() == 1 ? " entry" : " entries") + " for " +
                     std::to_string(s.inputs) + " lanes",
                 "with several inputs, each input is a lane (the first the highest): give one "
                 "weight per input"});
  return out;
}

}  // namespace

StageType priority_type() {
  StageType t;
  t.name = "priority";
  t.doc =
      "priority lanes (its inputs, first = highest, or the message's priority), released "
      "as the outputs make room";
  t.schema.options = {
      {.name = "policy",
       .type = OptionType::string,
       .doc = "strict: highest lane first; weighted: round-robin by weights",
       .default_value = OptionValue::of("strict"),
       .choices = {"strict", "weighted"}},
      {.name = "weights",
       .type = OptionType::list,
       .doc = "messages per turn of each lane, integers >= 1, one per lane, e.g. [8, 2, 1] "
              "(weighted)"},
      {.name = "max_wait",
       .type = OptionType::duration,
       .doc = "a message that waited this long goes next, whatever its lane",
       .min = 0},
      {.name = "lanes",
       .type = OptionType::integer,
       .doc = "with one input: lanes by the message's priority (0 = highest); default: as many "
              "as `weights` has, else 3",
       .min = 1,
       .max = kMaxLanes},
  };
  t.make = [](const Options& o) { return std::make_unique<Priority>(o); };
  t.check = check_lanes;
  return t;
}

}  // namespace sluice::builtins
