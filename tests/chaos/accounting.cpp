#include "accounting.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace chaos {
namespace {

using nlohmann::json;
using u64 = std::uint64_t;

const std::vector<std::string> kStageCounters = {"in",          "out",      "filtered",
                                                 "dropped",     "errors",   "retries",
                                                 "dead_letter", "rejected", "abandoned"};
const std::vector<std::string> kEdgeCounters = {"capacity", "depth",   "max_depth", "offered",
                                                "taken",    "dropped", "abandoned"};

/// Types whose every message taken is accounted for one to one.
bool one_to_one(const StageInfo& s) {
  static const std::set<std::string> kTypes = {
      "map",   "filter", "route", "take", "gate",     "sample",     "dedupe",
      "merge", "work",   "delay", "fail", "priority", "rate_limit", "subscribe"};
  if (s.sink) return true;
  if (s.type == "fan_out") return s.mode != "broadcast";
  return kTypes.count(s.type) > 0;
}

class Checker {
 public:
  Checker(const json& stats, const RandomPipeline& p, const Expectations& expect)
      : s_(stats), p_(p), expect_(expect) {}

  std::vector<std::string> run() {
    if (!complete()) return problems_;
    stoppable();
    edges();
    for (const auto& st : p_.stages) stage(st);
    return problems_;
  }

 private:
  template <typename... Parts>
  void problem(const Parts&... parts) {
    std::string line;
    ((line += parts), ...);
    problems_.push_back(std::move(line));
  }
  static std::string n(u64 v) { return std::to_string(v); }

  static bool counter(const json& j, const std::string& key) {
    return j.contains(key) && j[key].is_number_integer() && j[key].get<std::int64_t>() >= 0;
  }
  static bool seconds(const json& j, const std::string& key) {
    return j.contains(key) && j[key].is_number() && j[key].get<double>() >= 0;
  }

  /// Every part of the document is there, with the right types.
  bool complete() {
    if (!s_.is_object()) {
      problem("stats: not a JSON object");
      return false;
    }
    if (!s_.contains("pipeline") || !s_["pipeline"].is_string()) problem("stats: no pipeline name");
    if (!seconds(s_, "elapsed_s")) problem("stats: no elapsed_s");
    const std::string status = s_.value("status", "");
    if (status != "ok" && status != "failed" && status != "interrupted" &&
        status != "drain_timeout") {
      problem("stats: status '", status, "'");
    }
    if (!s_.contains("stages") || !s_["stages"].is_object() || !s_.contains("edges") ||
        !s_["edges"].is_array()) {
      problem("stats: no stages or edges");
      return false;
    }
    if (s_["stages"].size() != p_.stages.size()) {
      problem("stats: ", n(s_["stages"].size()), " stages, the file has ", n(p_.stages.size()));
    }
    for (const auto& st : p_.stages) {
      if (!s_["stages"].contains(st.name)) {
        problem("stats: no stage ", st.name);
        continue;
      }
      const json& j = s_["stages"][st.name];
      for (const auto& c : kStageCounters) {
        if (!counter(j, c)) problem(st.name, ": no counter ", c);
      }
      if (!seconds(j, "busy_s") || !seconds(j, "blocked_s")) problem(st.name, ": no busy/blocked");
    }
    // The edges of the file, as (from stage, port, to); the stats name a
    // stage's only port "stage" and one of several "stage.port".
    std::multiset<std::tuple<std::string, std::string, std::string>> declared, reported;
    for (const auto& e : p_.edges) declared.emplace(e.from_stage, e.from_port, e.to);
    for (const auto& e : s_["edges"]) {
      for (const auto& c : kEdgeCounters) {
        if (!counter(e, c)) problem("edge ", e.dump(), ": no counter ", c);
      }
      const auto [stage, port] = split(e.value("from", ""));
      reported.emplace(stage, port, e.value("to", ""));
    }
    if (declared != reported) {
      problem("stats: the edges differ from the file's (", n(reported.size()), " reported, ",
              n(declared.size()), " declared)");
    }
    return problems_.empty();
  }

  /// "stage.port", or "stage" for a stage's only port (whatever its name:
  /// a one-port fan_out's is "0").
  std::pair<std::string, std::string> split(const std::string& from) const {
    const auto dot = from.find('.');
    if (dot != std::string::npos) return {from.substr(0, dot), from.substr(dot + 1)};
    const StageInfo* st = info(from);
    return {from, st != nullptr && st->ports.size() == 1 ? st->ports.front() : "out"};
  }
  u64 c(const std::string& stage, const std::string& key) const {
    return s_["stages"][stage][key].get<u64>();
  }
  const StageInfo* info(const std::string& name) const {
    for (const auto& st : p_.stages) {
      if (st.name == name) return &st;
    }
    return nullptr;
  }

  /// The stages a `take` or `gate` may stop early: themselves and, through
  /// cancellation upstream, every stage that reaches one. In a clean run
  /// they alone may leave messages behind (README: Decisions on details).
  void stoppable() {
    for (const auto& st : p_.stages) {
      if (st.type == "take" || st.type == "gate") stoppable_.insert(st.name);
    }
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& e : p_.edges) {
        if (stoppable_.count(e.to) && stoppable_.insert(e.from_stage).second) grew = true;
      }
    }
  }

  void edges() {
    for (const auto& e : s_["edges"]) {
      const u64 offered = e["offered"], taken = e["taken"], dropped = e["dropped"],
                abandoned = e["abandoned"], depth = e["depth"];
      const std::string what = "edge " + e.value("from", "") + " -> " + e.value("to", "") + ": ";
      if (offered != taken + dropped + abandoned + depth) {
        problem(what, "offered ", n(offered), " != taken ", n(taken), " + dropped ", n(dropped),
                " + abandoned ", n(abandoned), " + depth ", n(depth));
      }
      if (depth != 0 && !expect_.stuck) {
        problem(what, "depth ", n(depth), " after the run");
      }
      if (!e.value("fused", false) && e["max_depth"].get<u64>() > e["capacity"].get<u64>()) {
        problem(what, "max_depth ", e["max_depth"].dump(), " > capacity ", e["capacity"].dump());
      }
      if (expect_.clean && abandoned != 0 && !stoppable_.count(e.value("to", ""))) {
        problem(what, "abandoned ", n(abandoned), " in a run that ended by itself");
      }
    }
  }

  void stage(const StageInfo& st) {
    const std::string& name = st.name;
    const u64 in = c(name, "in"), out = c(name, "out"), filtered = c(name, "filtered"),
              dropped = c(name, "dropped"), dead = c(name, "dead_letter"),
              rejected = c(name, "rejected"), abandoned = c(name, "abandoned");
    const std::string what = name + " (" + st.type + (st.mode.empty() ? "" : "/" + st.mode) + "): ";
    const u64 accounted = filtered + dropped + dead + rejected + abandoned;

    // What its input edges gave it, and what it gave each output port.
    u64 taken = 0;
    std::map<std::string, u64> port_offered;
    for (const auto& e : s_["edges"]) {
      if (e.value("to", "") == name) taken += e["taken"].get<u64>();
      const auto [from, port] = split(e.value("from", ""));
      if (from != name) continue;
      const u64 offered = e["offered"];
      const auto [it, first] = port_offered.emplace(port, offered);
      if (!first && it->second != offered && !expect_.stuck) {
        problem(what, "port ", port, " offered ", n(it->second), " on one edge, ", n(offered),
                " on another");
      }
    }
    if (st.source) {
      if (in != 0) problem(what, "a source with in ", n(in));
    } else if (in != taken) {
      problem(what, "in ", n(in), " != ", n(taken), " taken from its input edges");
    }
    // A publish sink's edges go to subscribers. A run left stuck: an instance
    // that never got a thread again keeps what it had not handed over.
    if ((!st.sink || !port_offered.empty()) && !expect_.stuck) {
      u64 emitted = 0;
      for (const auto& [port, offered] : port_offered) {
        if (port == "dead_letter" && offered != dead) {
          problem(what, "dead_letter ", n(dead), " but its port was offered ", n(offered));
        } else if (port == "rejected" && offered != rejected) {
          problem(what, "rejected ", n(rejected), " but its port was offered ", n(offered));
        } else if (port != "dead_letter" && port != "rejected") {
          emitted += offered;
        }
      }
      if (emitted != out)
        problem(what, "out ", n(out), " != ", n(emitted), " offered on its ports");
    }

    if (expect_.stuck) {
      // A call left running holds its thread: what it holds is unaccounted,
      // and so is what instances that never got a thread again had taken
      // (on one thread, every other stage).
    } else if (one_to_one(st)) {
      if (in != out + accounted) {
        problem(what, "in ", n(in), " != out ", n(out), " + filtered ", n(filtered), " + dropped ",
                n(dropped), " + dead_letter ", n(dead), " + rejected ", n(rejected),
                " + abandoned ", n(abandoned));
      }
    } else if (st.type == "fan_out") {  // broadcast: a copy per port
      // Its `abandoned` counts messages it had not processed but copies it
      // had not handed over, so a cut-short run is bounded, a clean one exact.
      const u64 ports = static_cast<u64>(st.outputs);
      const u64 passed = accounted - abandoned > in ? 0 : in - (accounted - abandoned);
      const u64 least = abandoned > passed ? 0 : (passed - abandoned) * ports;
      if (accounted - abandoned > in || out > passed * ports || out < least) {
        problem(what, "out ", n(out), " not within ", n(st.outputs), " x (in ", n(in), " - ",
                n(accounted - abandoned), " not passed on - up to ", n(abandoned), " abandoned)");
      }
    } else if (st.type == "batch") {  // out counts batches of at most `size`
      // Its `abandoned` counts the messages it held and the batches it had
      // not handed over, so a cut-short run gets a looser bound.
      const u64 other = accounted - abandoned;
      const u64 kept = other > in ? 0 : in - other;
      if (other > in || out > kept || kept > (out + abandoned) * static_cast<u64>(st.size)) {
        problem(what, n(out), " batches of at most ", n(st.size), " for in ", n(in), " - ",
                n(other), " not batched (", n(abandoned), " abandoned)");
      }
    } else if (!st.source && accounted - abandoned > in) {
      // count, split: out counts groups, pieces, and so may `abandoned`
      // (what they had made but not handed over)
      problem(what, "in ", n(in), " < ", n(accounted - abandoned), " filtered or dropped");
    }
    if (expect_.clean && abandoned != 0 && !stoppable_.count(name)) {
      problem(what, "abandoned ", n(abandoned), " in a run that ended by itself");
    }
  }

  const json& s_;
  const RandomPipeline& p_;
  Expectations expect_;
  std::vector<std::string> problems_;
  std::set<std::string> stoppable_;
};

}  // namespace

std::vector<std::string> check_accounting(const json& stats, const RandomPipeline& p,
                                          const Expectations& expect) {
  return Checker(stats, p, expect).run();
}

}  // namespace chaos
