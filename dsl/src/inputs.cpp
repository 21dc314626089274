#include "inputs.hpp"

#include <algorithm>
#include <map>

#include "schema_check.hpp"
#include "sluice/dsl/did_you_mean.hpp"
#include "sluice/dsl/schemas.hpp"

namespace sluice::dsl::detail {

void load_inputs(LoadContext& ctx, StageWork& w, const toml::node& n) {
  const std::string where = " in stage " + quote(w.spec.name);
  auto a = n.as_array();
  if (!a) {
    std::string hint;
    if (auto s = n.as_string()) hint = "write inputs = [\"" + s->get() + "\"]";
    if (n.is_table()) hint = "an input table goes in the list too: inputs = [{ from = ... }]";
    ctx.error("type-mismatch", ctx.span_of(n),
              "'inputs'" + where + " must be an array, not " + std::string(type_name(n)), hint);
    return;
  }
  if (a->empty() && w.spec.role != Role::source) {
    ctx.error("missing-inputs", ctx.span_of(n), "'inputs'" + where + " is empty",
              "name at least one upstream stage, e.g. inputs = [\"src\"]");
  }
  for (const auto& e : *a) {
    InputSpec in;
    std::string ref;
    if (auto s = e.as_string()) {
      ref = s->get();
      in.span = ctx.span_of(e);
    } else if (auto t = e.as_table()) {
      auto c = check_table(ctx, *t, input_schema(), " in an input" + where, {}, ctx.span_of(e));
      auto from = c.find("from");
      if (!from) continue;
      ref = from->str;
      in.span = c.spans["from"];
      if (auto v = c.find("capacity")) in.capacity = static_cast<std::size_t>(v->i);
      if (auto v = c.find("overflow")) in.overflow = parse_overflow(v->str);
    } else {
      ctx.error("type-mismatch", ctx.span_of(e),
                "an input" + where +
                    " must be a string \"stage\" / \"stage.port\" or a table "
                    "{ from = \"stage\", ... }, not " +
                    std::string(type_name(e)));
      continue;
    }
    in.stage = ref;  // split against the known stage names in resolve_inputs()
    w.spec.inputs.push_back(std::move(in));
  }
}

void resolve_inputs(LoadContext& ctx, std::vector<StageWork>& stages,
                    const std::set<std::string>& broken) {
  std::map<std::string, StageWork*> by_name;
  std::vector<std::string> names;
  for (auto& w : stages) {
    by_name[w.spec.name] = &w;
    names.push_back(w.spec.name);
  }
  for (auto& w : stages) {
    for (auto& in : w.spec.inputs) {
      const std::string ref = in.stage;
      StageWork* from = nullptr;
      std::string port;
      if (auto it = by_name.find(ref); it != by_name.end()) {
        from = it->second;
      } else if (auto dot = ref.rfind('.'); dot != std::string::npos) {
        if (auto it2 = by_name.find(ref.substr(0, dot)); it2 != by_name.end()) {
          from = it2->second;
          port = ref.substr(dot + 1);
        }
      }
      if (!from) {
        const std::string stage_part = ref.substr(0, ref.find('.'));
        if (broken.count(stage_part) != 0) {  // its own error says enough
          in.stage.clear();
          continue;
        }
        // Stage names are the user's own: a looser match is still a good guess.
        std::string hint;
        std::vector<std::string> others;
        for (const auto& n : names) {
          if (n != w.spec.name && others.size() < 10) others.push_back(n);
        }
        if (others.size() + 1 < names.size()) others.emplace_back("...");
        if (auto s = did_you_mean(stage_part, names, stage_part.size() >= 4 ? 2 : 1)) {
          hint = "did you mean " + quote(*s) + "?";
        } else if (stage_part != ref) {
          hint =
              "inputs name stages as \"stage\" or \"stage.port\"; the stages are: " + join(others);
        } else if (!others.empty()) {
          hint = "the stages are: " + join(others);
        }
        ctx.error("unknown-input", in.span,
                  "input " + quote(ref) + " of stage " + quote(w.spec.name) + " names no stage",
                  hint);
        in.stage.clear();
        continue;
      }
      in.stage = from->spec.name;
      if (!from->type || !from->ports_known) {  // the stage's own error says enough
        in.port = port;
        continue;
      }
      const auto& ports = from->spec.ports;
      const bool sink = from->spec.role == Role::sink;
      if (ports.empty() || (sink && port.empty())) {
        ctx.error("unknown-port", in.span,
                  "stage " + quote(from->spec.name) + " is a sink and has no outputs to consume",
                  ports.empty() ? std::string{}
                                : "its failures can be consumed: " +
                                      quote(from->spec.name + "." + ports.front()));
        in.stage.clear();
        continue;
      }
      if (port.empty()) {
        in.port = ports.front();
        continue;
      }
      if (std::find(ports.begin(), ports.end(), port) == ports.end()) {
        std::string hint;
        if (port == "dead_letter") {
          hint = "set on_error = \"dead_letter\" on stage " + quote(from->spec.name) +
                 " to give it a 'dead_letter' output";
        } else if (port == "rejected") {
          hint = "only a stage with a circuit_breaker has a 'rejected' output";
        } else {
          hint = suggest(port, ports);
          if (hint.empty()) hint = "its outputs are: " + join(ports);
        }
        ctx.error("unknown-port", in.span,
                  "stage " + quote(from->spec.name) + " has no output port " + quote(port), hint);
        in.stage.clear();
        continue;
      }
      in.port = port;
    }
  }
}

}  // namespace sluice::dsl::detail
