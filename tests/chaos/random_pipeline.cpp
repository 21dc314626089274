#include "random_pipeline.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace chaos {
namespace {

std::string str(long v) { return std::to_string(v); }
std::string quoted(const std::string& s) { return "\"" + s + "\""; }
std::string ms(long v) { return quoted(str(v) + "ms"); }

/// One output of a stage, as an `inputs` entry names it.
struct Output {
  std::string stage;
  std::string port;  ///< "out": the default port
  [[nodiscard]] std::string ref() const { return port == "out" ? stage : stage + "." + port; }
  bool operator==(const Output&) const = default;
};

class Builder {
 public:
  Builder(Rng& rng, const Shape& shape) : rng_(rng), shape_(shape) {}

  RandomPipeline build() {
    pipeline_table();
    const long sources = rng_.range(1, 2);
    for (long i = 0; i < sources; ++i) source();
    const long stages = rng_.range(0, 7);
    for (long i = 0; i < stages; ++i) stage();
    sinks();
    return std::move(p_);
  }

 private:
  void pipeline_table() {
    p_.drain_timeout_ms = rng_.pick(std::vector<long>{10, 30, 100, 300});
    p_.toml += "[pipeline]\nthreads = " + str(rng_.pick(std::vector<long>{1, 1, 2, 2, 2, 3, 4})) +
               "\ndrain_timeout = " + ms(p_.drain_timeout_ms) + "\n";
    if (rng_.chance(0.2)) p_.toml += "channel_capacity = " + str(rng_.range(1, 64)) + "\n";
    if (rng_.chance(0.2)) p_.toml += "batch = " + str(rng_.range(1, 64)) + "\n";
    if (shape_.run_for_ms > 0) p_.toml += "run_for = " + ms(shape_.run_for_ms) + "\n";
  }

  /// Starts `[stages.NAME]` of a new stage named after its type.
  StageInfo& begin(const std::string& type) {
    StageInfo s;
    s.name = type + str(static_cast<long>(p_.stages.size()));
    s.type = type;
    p_.stages.push_back(s);
    p_.toml += "\n[stages." + s.name + "]\ntype = " + quoted(type) + "\n";
    return p_.stages.back();
  }
  void line(const std::string& key, const std::string& value) {
    p_.toml += key + " = " + value + "\n";
  }
  void add_outputs(const StageInfo& s) {
    for (const auto& port : s.ports) open_.push_back({s.name, port});
    for (const auto& port : s.ports) all_.push_back({s.name, port});
  }

  void source() {
    if (rng_.chance(0.15)) {
      StageInfo& s = begin("file");
      s.source = true;
      s.ports = {"out"};
      line("path", quoted("input.txt"));
      p_.input_file = "input.txt";
      add_outputs(s);
      return;
    }
    StageInfo& s = begin("generate");
    s.source = true;
    s.ports = {"out"};
    long count = rng_.range(1, 2000);
    if (!shape_.finite && rng_.chance(0.4)) {
      count = 0;
      p_.endless = true;
    }
    if (rng_.chance(0.3)) {
      const long rate = rng_.range(500, 20000);
      line("rate", str(rate) + ".0");
      if (count > 0) count = std::max(1L, std::min(count, rate / 5));  // at most ~0.2 s
    }
    line("count", str(count));
    line("payload", rng_.pick(std::vector<std::string>{
                        R"('{{"n": {seq}, "u": "u{seq % 7}", "s": {seq % 5}}}')",
                        quoted("event-{seq}"), quoted("a b {seq % 3} c"), quoted(""),
                        R"('{{"n": {seq}, "list": [1, 2, {seq % 4}]}}')"}));
    if (rng_.chance(0.7)) line("key", quoted("k{seq % " + str(rng_.range(1, 50)) + "}"));
    if (rng_.chance(0.3)) line("priority", quoted("{seq % 3}"));
    add_outputs(s);
  }

  /// One input for a new stage: mostly an output nobody reads yet, else a
  /// second reader of any output (a broadcast edge).
  Output take_input(const std::vector<Output>& already) {
    std::vector<Output> candidates;
    const bool fresh = !open_.empty() && rng_.chance(0.75);
    for (const auto& o : fresh ? open_ : all_) {
      if (std::find(already.begin(), already.end(), o) == already.end()) candidates.push_back(o);
    }
    if (candidates.empty()) return {};
    const Output o = rng_.pick(candidates);
    open_.erase(std::remove(open_.begin(), open_.end(), o), open_.end());
    return o;
  }

  /// `inputs = [...]` from `from`, some of them inline tables with their own
  /// capacity and overflow policy; records the edges.
  void inputs(const std::string& to, const std::vector<Output>& from) {
    std::string list;
    for (const auto& o : from) {
      if (!list.empty()) list += ", ";
      if (rng_.chance(0.15)) {
        list += "{ from = " + quoted(o.ref()) + ", capacity = " + str(rng_.range(1, 64)) +
                ", overflow = " + quoted(overflow()) + " }";
      } else {
        list += quoted(o.ref());
      }
      p_.edges.push_back({o.stage, o.port, to});
    }
    line("inputs", "[" + list + "]");
  }
  std::string overflow() {
    return rng_.pick(std::vector<std::string>{"block", "block", "drop_newest", "drop_oldest"});
  }

  /// The keys every stage accepts: instances, input edges (but `dedupe`'s
  /// `capacity` is its own option), batch size.
  void common(const StageInfo& s, bool parallel) {
    if (parallel && rng_.chance(0.25)) {
      line("workers", str(rng_.range(2, 4)));
      if (rng_.chance(0.4)) line("ordered", "true");
    }
    if (s.type != "dedupe" && rng_.chance(0.15)) {
      line("capacity", str(rng_.range(1, 256)));
      line("overflow", quoted(overflow()));
    }
    if (rng_.chance(0.1)) line("batch", str(rng_.range(1, 64)));
    // Admission: a token bucket (fast enough to end in time) or permits.
    if (s.type != "rate_limit" && rng_.chance(0.06)) {
      line("rate_limit", "{ rate = " + str(rng_.range(20000, 50000)) +
                             ".0, burst = " + str(rng_.range(1, 64)) + " }");
    }
    if (rng_.chance(0.06)) line("semaphore", "{ permits = " + str(rng_.range(1, 4)) + " }");
  }

  /// retry, breaker and on_error for a stage that can fail; its ports.
  void failure_handling(StageInfo& s) {
    if (rng_.chance(0.4)) {
      line(
          "retry",
          "{ max_attempts = " + str(rng_.range(1, 4)) +
              ", initial_backoff = \"1ms\", max_backoff = \"5ms\", jitter = " +
              quoted(rng_.pick(std::vector<std::string>{"none", "full", "equal", "decorrelated"})) +
              " }");
    }
    if (rng_.chance(0.15)) {
      line("circuit_breaker",
           "{ failure_rate = 0.5, window = 10, min_calls = 5, open_for = \"20ms\", "
           "half_open_calls = 2 }");
      s.ports.push_back("rejected");
    }
    const std::string on_error =
        rng_.pick(std::vector<std::string>{"drop", "dead_letter", "dead_letter", "fail"});
    line("on_error", quoted(on_error));
    if (on_error == "dead_letter") s.ports.push_back("dead_letter");
    if (on_error == "fail") p_.may_fail = true;
  }

  void stage() {
    static const std::vector<std::string> kTypes = {
        "map",   "map",   "filter", "route",  "fan_out", "merge",    "work",
        "delay", "batch", "sample", "dedupe", "take",    "priority", "rate_limit",
        "count", "fail",  "fail",   "gate",   "split"};
    const std::string type = rng_.pick(kTypes);
    std::vector<Output> from;
    const long wanted = (type == "merge" || type == "priority") ? rng_.range(1, 3) : 1;
    for (long i = 0; i < wanted; ++i) {
      Output o = take_input(from);
      if (o.stage.empty()) break;
      from.push_back(o);
    }
    StageInfo& s = begin(type);
    s.ports = {"out"};
    inputs(s.name, from);
    options(s, from.size());
    add_outputs(p_.stages.back());
  }

  void options(StageInfo& s, std::size_t input_count) {
    const std::string& t = s.type;
    bool parallel = true;
    if (t == "map") {
      if (rng_.chance(0.7)) line("payload", quoted("m{seq}:{len(payload)}"));
      if (rng_.chance(0.5)) line("key", quoted("{key}-{seq % 3}"));
      if (rng_.chance(0.3)) line("attrs", "{ tag = \"t{seq % 4}\" }");
    } else if (t == "filter") {
      line("condition", quoted(rng_.pick(std::vector<std::string>{
                            "seq % 3 != 0", ".n % 2 == 0", "key != \\\"k1\\\"", "len(payload) > 3",
                            "true", "false"})));
    } else if (t == "split") {  // out counts pieces: only bounds are checked
      line("separator", quoted(rng_.chance(0.5) ? " " : ","));
      if (rng_.chance(0.3)) line("keep_empty", "true");
    } else if (t == "gate") {
      line("open", quoted("seq < " + str(rng_.range(0, 1500))));
      parallel = false;
    } else if (t == "route") {
      const bool two = rng_.chance(0.5);
      line("routes",
           two ? R"({ a = "seq % 2 == 0", b = ".s == 1" })" : R"({ a = "seq % 3 == 0" })");
      s.ports = two ? std::vector<std::string>{"a", "b", "unmatched"}
                    : std::vector<std::string>{"a", "unmatched"};
    } else if (t == "fan_out") {
      s.mode = rng_.pick(std::vector<std::string>{"broadcast", "round_robin", "hash"});
      s.outputs = rng_.range(1, 3);
      line("mode", quoted(s.mode));
      line("outputs", str(s.outputs));
      if (s.mode == "hash") line("by", quoted("key"));
      s.ports.clear();
      for (long i = 0; i < s.outputs; ++i) s.ports.push_back(str(i));
    } else if (t == "merge") {
      line("policy", quoted(rng_.chance(0.5) ? "fair" : "arrival"));
      parallel = false;
    } else if (t == "work") {
      // Now and then, when a signal or run_for stops the run, a call stuck
      // for longer than any deadline the test allows: the run must still
      // end at its drain deadline, abandoning it.
      const bool stuck = !shape_.finite && rng_.chance(0.04);
      line("micros", str(stuck ? 8'000'000 : rng_.range(0, 100)));
      s.stuck = stuck;
      if (stuck) p_.may_fail = true;  // README: the run ends without it, failed
      if (rng_.chance(0.15)) {
        line("timeout", quoted(str(rng_.range(20, 500)) + "us"));
        failure_handling(s);
      }
    } else if (t == "delay") {
      line("duration", ms(rng_.range(0, 20)));
    } else if (t == "batch") {
      s.size = rng_.range(1, 50);
      line("size", str(s.size));
      line("separator", quoted(","));
      line("timeout", ms(rng_.range(0, 30)));
      parallel = false;
    } else if (t == "sample") {
      line("rate", str(rng_.range(0, 10)) + ".0e-1");
      line("seed", str(rng_.range(0, 100)));
    } else if (t == "dedupe") {
      line("by", quoted(rng_.chance(0.5) ? "key" : "payload"));
      line("capacity", str(rng_.range(1, 1000)));
      if (rng_.chance(0.3)) line("ttl", ms(rng_.range(1, 50)));
    } else if (t == "take") {
      line("count", str(rng_.range(0, 500)));
      parallel = false;
    } else if (t == "priority") {
      const long lanes = input_count > 1 ? static_cast<long>(input_count) : rng_.range(1, 4);
      if (input_count == 1) line("lanes", str(lanes));
      if (rng_.chance(0.5)) {
        line("policy", quoted("weighted"));
        std::string weights;
        for (long i = 0; i < lanes; ++i) weights += (i ? ", " : "") + str(rng_.range(1, 8));
        line("weights", "[" + weights + "]");
      }
      if (rng_.chance(0.3)) line("max_wait", ms(rng_.range(1, 20)));
      parallel = false;
    } else if (t == "rate_limit") {
      const bool drop = rng_.chance(0.5);
      line("mode", quoted(drop ? "drop" : "delay"));
      line("rate", str(drop ? rng_.range(100, 20000) : rng_.range(10000, 50000)) + ".0");
      line("burst", str(rng_.range(1, 100)));
      if (!drop && rng_.chance(0.3)) line("max_wait", ms(rng_.range(1, 20)));
    } else if (t == "count") {
      line("by", quoted(rng_.chance(0.5) ? "key" : ".u"));
      line("format", quoted(rng_.chance(0.5) ? "tsv" : "json"));
      if (rng_.chance(0.4)) line("interval", ms(rng_.range(5, 50)));
      parallel = false;
    } else if (t == "fail") {
      if (rng_.chance(0.5)) {
        line("when", quoted("seq % " + str(rng_.range(2, 20)) + " == 0"));
      } else {
        line("probability", str(rng_.range(1, 5)) + ".0e-1");
        line("seed", str(rng_.range(0, 100)));
      }
      if (rng_.chance(0.4)) line("attempts", str(rng_.range(1, 2)));
      line("kind", quoted(rng_.chance(0.7) ? "transient" : "permanent"));
      failure_handling(s);
    }
    common(s, parallel);
  }

  /// Every output nobody reads goes to a sink, but for some of the ports a
  /// pipeline may leave unread (`sluice check` warns; they count as dropped).
  void sinks() {
    std::vector<Output> to_sink;
    for (const auto& o : open_) {
      const bool optional =
          o.port == "unmatched" || o.port == "dead_letter" || o.port == "rejected";
      if (!optional || rng_.chance(0.6)) to_sink.push_back(o);
    }
    const long count = std::min<long>(rng_.range(1, 3), std::max<long>(1, to_sink.size()));
    std::vector<std::vector<Output>> groups(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < to_sink.size(); ++i)
      groups[i % groups.size()].push_back(to_sink[i]);
    for (std::size_t i = 0; i < groups.size(); ++i) {
      auto& g = groups[i];
      if (g.empty()) g.push_back(rng_.pick(all_));  // a second reader of some output
      if (i == 0 && rng_.chance(0.2)) {
        topic(g);
      } else {
        sink(g);
      }
    }
  }

  void sink(const std::vector<Output>& from) {
    const std::string type =
        rng_.pick(std::vector<std::string>{"discard", "discard", "file", "stdout"});
    StageInfo& s = begin(type);
    s.sink = true;
    const std::string name = s.name;
    inputs(name, from);
    if (type == "file") line("path", quoted(name + ".out"));
    if (type != "discard") line("format", quoted(rng_.chance(0.5) ? "payload" : "json"));
    if (rng_.chance(0.15)) {
      line("capacity", str(rng_.range(1, 256)));
      line("overflow", quoted(overflow()));
    }
  }

  /// `from` published to a topic whose 1-2 subscribers each feed a sink:
  /// a branch of its own, so that no cycle runs through the topic.
  void topic(const std::vector<Output>& from) {
    p_.toml += "\n[topics.bus]\n";
    if (rng_.chance(0.5)) line("capacity", str(rng_.range(1, 64)));
    if (rng_.chance(0.5)) line("slow_subscriber", quoted(overflow()));
    StageInfo& pub = begin("publish");
    pub.sink = true;
    pub.ports = {"out"};  // its edges are the topic's, one per subscriber
    const std::string publisher = pub.name;
    inputs(publisher, from);
    line("topic", quoted("bus"));
    const long subscribers = rng_.range(1, 2);
    for (long i = 0; i < subscribers; ++i) {
      StageInfo& sub = begin("subscribe");
      sub.ports = {"out"};
      const std::string name = sub.name;
      line("topic", quoted("bus"));
      if (rng_.chance(0.3)) {
        line("capacity", str(rng_.range(1, 32)));
        line("overflow", quoted(overflow()));
      }
      p_.edges.push_back({publisher, "out", name});
      sink({Output{name, "out"}});
    }
  }

  Rng& rng_;
  Shape shape_;
  RandomPipeline p_;
  std::vector<Output> open_;  ///< outputs nobody reads yet
  std::vector<Output> all_;
};

}  // namespace

RandomPipeline random_pipeline(Rng& rng, const Shape& shape) { return Builder(rng, shape).build(); }

}  // namespace chaos
