// The plugins of tests/plugin_test.cpp, one per TEST_PLUGIN_* definition:
// each a way for a plugin to be wrong, and one whose stages misbehave.
#include <chrono>
#include <cstdlib>
#include <memory>
#include <sluice/plugin.hpp>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

using sluice::OptionType;
using sluice::OptionValue;

/// A stage type that does nothing (for the name clashes).
[[maybe_unused]] sluice::StageType idle(std::string name) {
  return {.name = std::move(name),
          .doc = "passes messages on",
          .make = [](const sluice::Options&) -> std::unique_ptr<sluice::Stage> {
            struct Idle final : sluice::Stage {
              void process(sluice::Message&& m, sluice::Emitter& out, sluice::Context&) override {
                out.emit(std::move(m));
              }
            };
            return std::make_unique<Idle>();
          }};
}

/// `picky`: its factory rejects level > 3 (the schema allows any integer).
class Picky final : public sluice::Stage {
 public:
  explicit Picky(const sluice::Options& o) {
    if (o.get_int("level") > 3) {
      throw std::invalid_argument("level " + std::to_string(o.get_int("level")) +
                                  " is above the highest level, 3");
    }
  }
  void process(sluice::Message&& m, sluice::Emitter& out, sluice::Context&) override {
    out.emit(std::move(m));
  }
};

/// `boom`: throws from process() for every message whose seq is a multiple
/// of `every`, with an exception type sluice does not know.
class Boom final : public sluice::Stage {
 public:
  explicit Boom(const sluice::Options& o)
      : every_(static_cast<std::uint64_t>(o.get_int("every"))) {}
  void process(sluice::Message&& m, sluice::Emitter& out, sluice::Context&) override {
    if (m.seq % every_ == 0) throw std::out_of_range("boom at seq " + std::to_string(m.seq));
    out.emit(std::move(m));
  }

 private:
  std::uint64_t every_;
};

/// `throws_int` (a stage, fusable) and `throws_int_sink`: `throw 42` for
/// every message whose seq is a multiple of `every`: not a std::exception.
class ThrowsInt final : public sluice::Stage {
 public:
  explicit ThrowsInt(const sluice::Options& o)
      : every_(static_cast<std::uint64_t>(o.get_int("every"))) {}
  void process(sluice::Message&& m, sluice::Emitter& out, sluice::Context&) override {
    if (m.seq % every_ == 0) throw 42;  // NOLINT(hicpp-exception-baseclass): the point of it
    out.emit(std::move(m));
  }

 private:
  std::uint64_t every_;
};

class ThrowsIntSink final : public sluice::Sink {
 public:
  explicit ThrowsIntSink(const sluice::Options& o)
      : every_(static_cast<std::uint64_t>(o.get_int("every"))) {}
  void consume(std::span<sluice::Message> batch, sluice::Context&) override {
    for (const auto& m : batch) {
      if (m.seq % every_ == 0) throw 42;  // NOLINT(hicpp-exception-baseclass)
    }
  }

 private:
  std::uint64_t every_;
};

/// `stuck`: sleeps `seconds` in process() and never looks at cancellation
/// (a plugin stuck in a call that has no timeout).
class Stuck final : public sluice::Stage {
 public:
  explicit Stuck(const sluice::Options& o) : seconds_(o.get_int("seconds")) {}
  void process(sluice::Message&& m, sluice::Emitter& out, sluice::Context&) override {
    std::this_thread::sleep_for(std::chrono::seconds(seconds_));
    out.emit(std::move(m));
  }

 private:
  std::int64_t seconds_;
};

/// `tag`: sets attrs.label from a template on the messages an expression
/// selects (the SDK's Expression and Template).
class Tag final : public sluice::Stage {
 public:
  explicit Tag(const sluice::Options& o)
      : when_(sluice::Expression::compile(o.get_string("when"))),
        label_(sluice::Template::compile(o.get_string("label"))) {}
  void process(sluice::Message&& m, sluice::Emitter& out, sluice::Context&) override {
    if (when_.test(m)) m.attrs.set("label", label_.render(m));
    out.emit(std::move(m));
  }

 private:
  sluice::Expression when_;
  sluice::Template label_;
};

[[maybe_unused]] void register_types(sluice::Registry& r) {
#if defined(TEST_PLUGIN_DUP_BUILTIN)
  r.add(idle("map"));
#elif defined(TEST_PLUGIN_DUP_STAMP)
  r.add(idle("stamp"));
#elif defined(TEST_PLUGIN_REGISTER_THROWS)
  r.add(idle("never_registered"));
  throw std::runtime_error("no licence key found");
#elif defined(TEST_PLUGIN_WRONG_FACTORY)
  sluice::StageType t = idle("half_done");
  t.make = sluice::MakeSink{};  // declared a sink, given no factory
  r.add(std::move(t));
#else
  r.add({.name = "picky",
         .doc = "rejects levels above 3 in its factory",
         .schema = {{{.name = "level",
                      .type = OptionType::integer,
                      .doc = "a level",
                      .default_value = OptionValue::of(1)}}},
         .make = [](const sluice::Options& o) { return std::make_unique<Picky>(o); }});
  r.add({.name = "boom",
         .doc = "throws std::out_of_range from process()",
         .schema = {{{.name = "every",
                      .type = OptionType::integer,
                      .doc = "fail every Nth seq",
                      .default_value = OptionValue::of(2),
                      .min = 1}}},
         .make = [](const sluice::Options& o) { return std::make_unique<Boom>(o); }});
  const sluice::Schema every{{{.name = "every",
                               .type = OptionType::integer,
                               .doc = "fail every Nth seq",
                               .default_value = OptionValue::of(2),
                               .min = 1}}};
  r.add({.name = "throws_int",
         .doc = "throws an int (not a std::exception) from process()",
         .schema = every,
         .fusable = true,
         .make = [](const sluice::Options& o) { return std::make_unique<ThrowsInt>(o); }});
  r.add({.name = "throws_int_sink",
         .doc = "throws an int (not a std::exception) from consume()",
         .schema = every,
         .make = [](const sluice::Options& o) { return std::make_unique<ThrowsIntSink>(o); }});
  r.add({.name = "stuck",
         .doc = "sleeps in process(), deaf to cancellation",
         .schema = {{{.name = "seconds",
                      .type = OptionType::integer,
                      .doc = "how long each call takes",
                      .default_value = OptionValue::of(60)}}},
         .make = [](const sluice::Options& o) { return std::make_unique<Stuck>(o); }});
  r.add({.name = "tag",
         .doc = "labels the messages an expression selects",
         .schema = {{{.name = "when",
                      .type = OptionType::expression,
                      .doc = "which messages",
                      .required = true},
                     {.name = "label",
                      .type = OptionType::template_,
                      .doc = "their label",
                      .required = true}}},
         .make = [](const sluice::Options& o) { return std::make_unique<Tag>(o); }});
  // `fussy` rejects an empty label with the SDK's BadOption, whose message
  // does not name the option: the host points at it all the same.
  r.add({.name = "fussy",
         .doc = "rejects an empty label",
         .schema = {{{.name = "label",
                      .type = OptionType::string,
                      .doc = "not empty",
                      .default_value = OptionValue::of("x")}}},
         .make = [](const sluice::Options& o) -> std::unique_ptr<sluice::Stage> {
           if (o.get_string("label").empty()) {
             throw sluice::BadOption("label", "an empty value tells nothing apart");
           }
           struct Fussy final : sluice::Stage {
             void process(sluice::Message&& m, sluice::Emitter& out, sluice::Context&) override {
               out.emit(std::move(m));
             }
           };
           return std::make_unique<Fussy>();
         }});
  // A plugin's own `topic` (a queue of its own) is no [topics.*] name: only an
  // option that says refers_to = "topics" must be declared there.
  r.add({.name = "queue_out",
         .doc = "counts its messages as sent to the queue `topic` (a plugin's own topic)",
         .schema = {{{.name = "topic",
                      .type = OptionType::string,
                      .doc = "the queue's name",
                      .required = true}}},
         .make = [](const sluice::Options&) -> std::unique_ptr<sluice::Sink> {
           struct QueueOut final : sluice::Sink {
             void consume(std::span<sluice::Message> batch, sluice::Context& ctx) override {
               ctx.count_dropped(batch.size());
             }
           };
           return std::make_unique<QueueOut>();
         }});
#endif
}

}  // namespace

#if defined(TEST_PLUGIN_NO_ENTRY)
// A shared library, but not a plugin.
extern "C" __attribute__((visibility("default"))) int sluice_plugin_entry_typo() { return 0; }
#elif defined(TEST_PLUGIN_WRONG_ABI)
// A plugin from a future SDK: the loader must stop at the version, before
// calling anything (register_types would abort).
namespace {
int never_called(sluice::Registry&, char*, std::size_t) noexcept { std::abort(); }
}  // namespace
extern "C" __attribute__((visibility("default"))) const sluice::PluginDescriptor*
sluice_plugin_entry() noexcept {
  static const sluice::PluginDescriptor d{
      sluice::kPluginAbiVersion + 1, sluice::kPluginStdAbi, "future", "9.0.0", &never_called, {}};
  return &d;
}
#else
SLUICE_PLUGIN("test_plugin", "0.0.1", register_types)
#endif
