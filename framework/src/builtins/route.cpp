// route: `routes = { NAME = "expr", ... }`. Each message goes to the port of
// the first route (in the table's order) whose expression holds, else to
// port `unmatched`. One message out per message in: in = out + dropped, where
// dropped counts messages sent to a port nothing is wired to.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "builtins/bad_option.hpp"
#include "builtins/builtins.hpp"
#include "builtins/expression_option.hpp"

namespace sluice::builtins {
namespace {

constexpr const char* kUnmatched = "unmatched";

/// The route names in order, checked: at least one, none called `unmatched`.
/// Runs at load time through `ports`, so consumers of a route whose
/// expression is wrong still find its port.
std::vector<std::string> route_names(const Options& o) {
  const OptionValue& routes = o.get("routes");
  if (routes.table.empty()) {
    throw BadOption("routes", "'routes' names no route", 0,
                    "e.g. routes = { errors = '.status >= 500' }");
  }
  std::vector<std::string> names;
  for (const auto& [name, value] : routes.table) {
    if (name == kUnmatched) {
      throw BadOption("routes." + name,
                      "route name 'unmatched' is reserved for what no route matches", 0,
                      "rename the route; port 'unmatched' exists anyway");
    }
    names.push_back(name);
  }
  return names;
}

/// The routes in order, compiled: string expressions that compile.
std::vector<std::pair<std::string, expr::Expression>> compile_routes(const Options& o) {
  (void)route_names(o);
  std::vector<std::pair<std::string, expr::Expression>> out;
  for (const auto& [name, value] : o.get("routes").table) {
    const std::string option = "routes." + name;
    if (value.kind != OptionValue::Kind::string) {
      throw BadOption(option, "'" + option + "' must be an expression string, not " +
                                  std::string(kind_name(value.kind)));
    }
    out.emplace_back(name, compile_expression(value.str, option));
  }
  return out;
}

class Route final : public Stage {
 public:
  explicit Route(const Options& o) : routes_(compile_routes(o)) {}

  void process(Message&& m, Emitter& out, Context&) override {
    std::size_t port = 0;
    while (port < routes_.size() && !routes_[port].second.test(m)) ++port;
    out.emit(port, std::move(m));  // port == routes_.size(): unmatched
  }

 private:
  const std::vector<std::pair<std::string, expr::Expression>> routes_;
};

}  // namespace

StageType route_type() {
  StageType t;
  t.name = "route";
  t.doc =
      "sends each message to the first route whose expression holds, else to port `unmatched`; "
      "in = out + dropped (sent to an unwired port)";
  t.schema.options = {
      {.name = "routes",
       .type = OptionType::table,
       .doc = "{ NAME = \"expression\", ... }, tried in order; each NAME is an output port",
       .required = true},
  };
  t.ports = [](const Options& o) {
    std::vector<std::string> ports = route_names(o);
    ports.emplace_back(kUnmatched);
    return ports;
  };
  t.make = [](const Options& o) { return std::make_unique<Route>(o); };
  return t;
}

}  // namespace sluice::builtins
