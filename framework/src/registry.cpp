#include "sluice/registry.hpp"

#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>

namespace sluice {
inline namespace v1 {

std::string_view to_string(Role role) noexcept {
  switch (role) {
    case Role::source:
      return "source";
    case Role::stage:
      return "stage";
    case Role::sink:
      return "sink";
  }
  return "stage";
}

std::vector<std::string> StageType::output_ports(const Options& options) const {
  if (role() == Role::sink) return {};
  if (ports) return ports(options);
  return {"out"};
}

namespace {

template <typename Factory>
const Factory& factory(const StageType& type, Role wanted) {
  if (const auto* f = std::get_if<Factory>(&type.make)) return *f;
  throw std::logic_error("stage type '" + type.name + "' is a " +
                         std::string(to_string(type.role())) + ", not a " +
                         std::string(to_string(wanted)));
}

}  // namespace

std::unique_ptr<Source> StageType::make_source(const Options& options) const {
  return factory<MakeSource>(*this, Role::source)(options);
}

std::unique_ptr<Stage> StageType::make_stage(const Options& options) const {
  return factory<MakeStage>(*this, Role::stage)(options);
}

std::unique_ptr<Sink> StageType::make_sink(const Options& options) const {
  return factory<MakeSink>(*this, Role::sink)(options);
}

void StageType::probe(const Options& options) const {
  std::visit([&](const auto& factory) { (void)factory(options); }, make);
}

NodeId add_node(Graph& graph, std::string name, const Make& make, Options options, NodeOptions node,
                std::vector<std::string> ports) {
  return std::visit(
      [&](const auto& factory) {
        using Factory = std::decay_t<decltype(factory)>;
        auto made = [factory, options = std::move(options)] { return factory(options); };
        if constexpr (std::is_same_v<Factory, MakeSource>) {
          return graph.add_source(std::move(name), std::move(made), std::move(node),
                                  std::move(ports));
        } else if constexpr (std::is_same_v<Factory, MakeStage>) {
          return graph.add_stage(std::move(name), std::move(made), std::move(node),
                                 std::move(ports));
        } else {
          return graph.add_sink(std::move(name), std::move(made), std::move(node),
                                std::move(ports));
        }
      },
      make);
}

bool Registry::add(StageType type) {
  if (!std::visit([](const auto& make) { return static_cast<bool>(make); }, type.make)) {
    // Caught here rather than as a bad_function_call when a pipeline runs.
    throw std::invalid_argument("stage type '" + type.name + "' is a " +
                                std::string(to_string(type.role())) + " but its factory is empty");
  }
  const bool source = type.role() == Role::source;
  for (const StageType& t : types_) {
    if (t.name == type.name && (t.role() == Role::source) == source) return false;
  }
  types_.push_back(std::move(type));
  return true;
}

const StageType* Registry::find(std::string_view name, bool has_inputs) const noexcept {
  for (const StageType& t : types_) {
    if (t.name == name && (t.role() != Role::source) == has_inputs) return &t;
  }
  return nullptr;
}

std::vector<const StageType*> Registry::find_all(std::string_view name) const {
  std::vector<const StageType*> out;
  for (const StageType& t : types_) {
    if (t.name == name) out.push_back(&t);
  }
  return out;
}

}  // namespace v1
}  // namespace sluice
