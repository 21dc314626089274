// The loader against a test-only registry, so these tests need no built-in.
#include "sluice/dsl/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

namespace sluice::dsl {
namespace {

class NullSource final : public Source {
  SourceStatus produce(Emitter&, Context&, std::size_t) override { return SourceStatus::done; }
};
class NullStage final : public Stage {
  void process(Message&& m, Emitter& out, Context&) override { out.emit(std::move(m)); }
};
class NullSink final : public Sink {
  void consume(std::span<Message>, Context&) override {}
};

OptionSpec option(std::string name, OptionType type, std::optional<OptionValue> def = {},
                  std::optional<double> min = {}, std::vector<std::string> choices = {},
                  bool required = false) {
  OptionSpec o;
  o.name = std::move(name);
  o.type = type;
  o.default_value = std::move(def);
  o.min = min;
  o.choices = std::move(choices);
  o.required = required;
  return o;
}

StageType type(std::string name, Role role, std::vector<OptionSpec> options = {}) {
  StageType t;
  t.name = std::move(name);
  t.schema.options = std::move(options);
  switch (role) {
    case Role::source:
      t.make = [](const Options&) { return std::make_unique<NullSource>(); };
      break;
    case Role::stage:
      t.make = [](const Options&) { return std::make_unique<NullStage>(); };
      break;
    case Role::sink:
      t.make = [](const Options&) { return std::make_unique<NullSink>(); };
      break;
  }
  return t;
}

Registry test_registry() {
  Registry r;
  r.add(type("gen", Role::source,
             {option("count", OptionType::integer, OptionValue::of(0), 0),
              option("payload", OptionType::template_, OptionValue::of("{seq}")),
              option("every", OptionType::duration, {}, 0.001)}));
  r.add(type("pass", Role::stage));
  r.add(type("flusher", Role::stage, {option("timeout", OptionType::duration, {}, 0)}));
  auto split = type("split2", Role::stage);
  split.ports = [](const Options&) { return std::vector<std::string>{"left", "right"}; };
  r.add(split);
  auto named = type("named", Role::stage, {option("names", OptionType::list, {}, {}, {}, true)});
  named.ports = [](const Options& o) {
    std::vector<std::string> ports;
    for (const auto& v : o.get("names").list) ports.push_back(v.str);
    if (ports.empty()) throw std::invalid_argument("names lists no port");
    return ports;
  };
  r.add(named);
  // One name, two roles, picked by `inputs` (like `file`).
  r.add(type("io", Role::source, {option("path", OptionType::string)}));
  r.add(type("io", Role::sink,
             {option("path", OptionType::string), option("format", OptionType::string),
              option("mode", OptionType::string)}));
  r.add(type("keep", Role::stage, {option("condition", OptionType::expression, {}, {}, {}, true)}));
  r.add(type("sink", Role::sink,
             {option("mode", OptionType::string, OptionValue::of("a"), {}, {"a", "b"})}));
  return r;
}

LoadResult load(std::string_view text, std::vector<std::string> sets = {}) {
  static const Registry registry = test_registry();
  return load_pipeline_text(text, "p.toml", sets, registry);
}

std::string all(const LoadResult& r) {
  std::string s;
  for (const auto& d : r.diagnostics) s += format(d);
  return s;
}

bool has(const LoadResult& r, std::string_view code, std::size_t line, std::size_t column) {
  return std::any_of(r.diagnostics.begin(), r.diagnostics.end(), [&](const Diagnostic& d) {
    return d.code == code && d.span.line == line && d.span.column == column;
  });
}

constexpr std::string_view kValid = R"(
[pipeline]
name = "demo"
threads = 3
channel_capacity = 100
drain_timeout = "2s"
run_for = "1.5s"

[stages.src]
type = "gen"
count = 7

[stages.fork]
type = "split2"
inputs = ["src"]
workers = 2
ordered = true
capacity = 8
overflow = "drop_oldest"

[stages.l]
type = "sink"
inputs = ["fork.left"]

[stages.r]
type = "sink"
inputs = [{ from = "fork.right", capacity = 3, overflow = "drop_newest" }, "src"]
)";

TEST(Loader, LoadsAValidPipelineInFileOrder) {
  auto r = load(kValid);
  ASSERT_TRUE(r.ok()) << all(r);
  EXPECT_TRUE(r.diagnostics.empty()) << all(r);
  const auto& s = r.spec;
  EXPECT_EQ(s.name, "demo");
  EXPECT_EQ(s.threads, 3u);
  EXPECT_EQ(s.drain_timeout, 2 * kNanosPerSecond);
  EXPECT_EQ(s.run_for, 1'500'000'000);
  ASSERT_EQ(s.stages.size(), 4u);
  EXPECT_EQ(s.stages[0].name, "src");
  EXPECT_EQ(s.stages[1].name, "fork");
  EXPECT_EQ(s.stages[3].name, "r");
  EXPECT_EQ(s.stages[0].options.get_int("count"), 7);
  EXPECT_EQ(s.stages[0].options.get_string("payload"), "{seq}");  // default applied
  EXPECT_EQ(s.stages[1].workers, 2u);
  EXPECT_EQ(s.stages[1].ports, (std::vector<std::string>{"left", "right"}));
  EXPECT_EQ(s.stages[1].span.line, 13u);
}

TEST(Loader, CompilesEdgesWithTheirCapacityAndOverflow) {
  auto r = load(kValid);
  ASSERT_TRUE(r.ok()) << all(r);
  static const Registry registry = test_registry();
  auto c = compile(r.spec, registry);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.run_options.name, "demo");
  EXPECT_EQ(c.run_options.threads, 3u);
  const auto& g = c.graph;
  ASSERT_EQ(g.nodes().size(), 4u);
  EXPECT_EQ(g.nodes()[1].options.workers, 2u);
  EXPECT_TRUE(g.nodes()[1].options.ordered);
  ASSERT_EQ(g.edges().size(), 4u);
  // src -> fork: the stage's capacity and overflow.
  EXPECT_EQ(g.edges()[0].options.capacity, 8u);
  EXPECT_EQ(g.edges()[0].options.overflow, Overflow::drop_oldest);
  // fork.left -> l: the pipeline's channel_capacity.
  EXPECT_EQ(g.edges()[1].from_port, 0u);
  EXPECT_EQ(g.edges()[1].options.capacity, 100u);
  // fork.right -> r: the inline table wins.
  EXPECT_EQ(g.edges()[2].from_port, 1u);
  EXPECT_EQ(g.edges()[2].options.capacity, 3u);
  EXPECT_EQ(g.edges()[2].options.overflow, Overflow::drop_newest);
}

TEST(Loader, ATypesOwnOptionWinsOverTheCommonKeyOfTheSameName) {
  const auto r = load(R"(
[stages.src]
type = "gen"
[stages.b]
type = "flusher"
inputs = ["src"]
timeout = "50ms"
[stages.out]
type = "sink"
inputs = ["b"]
)");
  ASSERT_TRUE(r.ok()) << all(r);
  const auto* b = r.spec.find_stage("b");
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(b->timeout.has_value()) << "not the attempt timeout";
  EXPECT_EQ(b->options.get_duration("timeout"), from_millis(50));
}

TEST(Loader, NameDefaultsToTheFileStem) {
  auto r = load("[stages.a]\ntype = \"gen\"\n[stages.b]\ntype = \"sink\"\ninputs = [\"a\"]\n");
  ASSERT_TRUE(r.ok()) << all(r);
  EXPECT_EQ(r.spec.name, "p");
}

TEST(Loader, ReportsSyntaxErrorsWithTomlPosition) {
  auto r = load("[stages.a]\ntype = \"gen\"\ncount = 1 2\n");
  ASSERT_EQ(r.diagnostics.size(), 1u) << all(r);
  EXPECT_EQ(r.diagnostics[0].code, "syntax");
  EXPECT_EQ(r.diagnostics[0].span.line, 3u);
}

TEST(Loader, CollectsEveryErrorInOneRun) {
  auto r = load(R"([stages.a]
type = "gen"
cuont = 1
count = -1
every = "10 sec"

[stages.b]
type = "pas"
inputs = ["a"]

[stages.c]
type = "sink"
inputs = ["aa", "b.nope"]
mode = "c"
)");
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has(r, "unknown-key", 3, 1)) << all(r);
  EXPECT_TRUE(has(r, "out-of-range", 4, 9)) << all(r);
  EXPECT_TRUE(has(r, "bad-duration", 5, 9)) << all(r);
  EXPECT_TRUE(has(r, "unknown-type", 8, 8)) << all(r);
  EXPECT_TRUE(has(r, "unknown-input", 13, 11)) << all(r);
  EXPECT_TRUE(has(r, "bad-choice", 14, 8)) << all(r);
  EXPECT_NE(all(r).find("did you mean 'count'?"), std::string::npos);
  EXPECT_NE(all(r).find("did you mean 'a'?"), std::string::npos);
  EXPECT_NE(all(r).find("did you mean 'pass'?"), std::string::npos);
}

TEST(Loader, ChecksPortsRolesAndCycles) {
  auto r = load(R"([stages.a]
type = "gen"
inputs = ["c"]
[stages.f]
type = "split2"
inputs = ["a", "g"]
[stages.g]
type = "pass"
inputs = ["f.left"]
[stages.c]
type = "sink"
inputs = ["f.middle", "f.right"]
[stages.lonely]
type = "pass"
)");
  EXPECT_TRUE(has(r, "source-with-inputs", 3, 10)) << all(r);
  EXPECT_TRUE(has(r, "unknown-port", 3, 11)) << all(r);  // c is a sink
  EXPECT_TRUE(has(r, "cycle", 6, 16)) << all(r);
  EXPECT_NE(all(r).find("f -> g -> f"), std::string::npos) << all(r);
  EXPECT_TRUE(has(r, "unknown-port", 12, 11)) << all(r);
  EXPECT_TRUE(has(r, "missing-inputs", 13, 1)) << all(r);
}

TEST(Loader, PortsThatCannotBeListedAreReportedOnceWithoutEchoesInTheConsumers) {
  auto r = load(R"([stages.a]
type = "gen"
[stages.n]
type = "named"
inputs = ["a"]
names = []
[stages.s]
type = "sink"
inputs = ["n", "n.x"]
)");
  ASSERT_EQ(r.diagnostics.size(), 1u) << all(r);
  EXPECT_TRUE(has(r, "bad-option", 6, 9)) << all(r);
  EXPECT_EQ(r.diagnostics[0].message, "stage 'n': names lists no port");
}

TEST(Loader, KeysOfTheOtherRoleMeanInputsAreWrong) {
  auto r = load(R"([stages.a]
type = "gen"
[stages.out]
type = "io"
path = "x"
format = "json"
mode = "append"
)");
  ASSERT_EQ(r.diagnostics.size(), 1u) << all(r);
  EXPECT_TRUE(has(r, "missing-inputs", 3, 1)) << all(r);
  EXPECT_EQ(r.diagnostics[0].message,
            "stage 'out' has no 'inputs', so type 'io' is read as a source, which takes no "
            "'format' or 'mode'");
  EXPECT_EQ(r.diagnostics[0].hint, "for a 'io' sink, add inputs = [\"<upstream stage>\"]");

  // A key that fits neither role is just unknown.
  auto typo = load("[stages.a]\ntype = \"gen\"\n[stages.out]\ntype = \"io\"\nformt = 1\n");
  ASSERT_EQ(typo.diagnostics.size(), 1u) << all(typo);
  EXPECT_EQ(typo.diagnostics[0].code, "unknown-key");
}

TEST(Loader, AMisspeltTypeOrInputsIsNamedAtTheKeyAndTheStageStillChecked) {
  auto r = load(R"([stages.a]
typ = "gen"
cuont = 3
[stages.b]
type = "pass"
input = ["a"]
[stages.c]
type = "sink"
inputs = ["b"]
)");
  ASSERT_EQ(r.diagnostics.size(), 3u) << all(r);
  EXPECT_TRUE(has(r, "missing-key", 2, 1)) << all(r);
  EXPECT_EQ(r.diagnostics[0].message, "unknown key 'typ' in stage 'a', which has no 'type'");
  EXPECT_EQ(r.diagnostics[0].hint, "did you mean 'type'?");
  EXPECT_TRUE(has(r, "unknown-key", 3, 1)) << all(r);  // checked as a 'gen'
  EXPECT_TRUE(has(r, "unknown-key", 6, 1)) << all(r);  // and no "needs inputs" besides
  EXPECT_EQ(r.diagnostics[2].hint, "did you mean 'inputs'?");
}

TEST(Loader, MapsExpressionErrorsIntoTheFile) {
  auto r = load(
      "[stages.a]\ntype = \"gen\"\n[stages.k]\ntype = \"keep\"\ninputs = [\"a\"]\n"
      "condition = 'seq > '\n[stages.s]\ntype = \"sink\"\ninputs = [\"k\"]\n");
  ASSERT_FALSE(r.ok());
  const auto& d = r.diagnostics[0];
  EXPECT_EQ(d.code, "bad-expression") << all(r);
  EXPECT_EQ(d.span.line, 6u);
  EXPECT_GT(d.span.column, 13u);  // inside the string, not at its quote
}

TEST(Loader, AppliesOverridesBeforeValidation) {
  auto r = load(kValid, {"stages.src.count=10", "stages.src.payload=hello world",
                         "pipeline.threads=1", "stages.fork.workers=3"});
  ASSERT_TRUE(r.ok()) << all(r);
  EXPECT_EQ(r.spec.stages[0].options.get_int("count"), 10);
  EXPECT_EQ(r.spec.stages[0].options.get_string("payload"), "hello world");
  EXPECT_EQ(r.spec.threads, 1u);
  EXPECT_EQ(r.spec.stages[1].workers, 3u);

  auto bad = load(kValid, {"stages.src.count=ten", "novalue"});
  ASSERT_EQ(bad.diagnostics.size(), 2u) << all(bad);
  EXPECT_NE(all(bad).find("--set stages.src.count=ten: error: 'count'"), std::string::npos)
      << all(bad);
}

TEST(Loader, AnOverrideThatNamesNoStageOrReplacesOneIsBlamedOnTheOverride) {
  auto r = load(kValid, {"stages.sorc.count=3", "stages.zzz.count=1"});
  ASSERT_EQ(r.diagnostics.size(), 2u) << all(r);
  EXPECT_EQ(format(r.diagnostics[0]),
            "--set stages.sorc.count=3: error: the file declares no stage 'sorc'\n"
            "  hint: did you mean 'src'?\n");
  EXPECT_EQ(r.diagnostics[1].span.file, "--set stages.zzz.count=1");
  EXPECT_NE(r.diagnostics[1].hint.find("its stages are: src, fork"), std::string::npos) << all(r);

  // A stage replaced by a value: one error, the override's, and no echo at
  // the stages that read from it.
  auto replaced = load(kValid, {"stages.src=5"});
  ASSERT_EQ(replaced.diagnostics.size(), 1u) << all(replaced);
  EXPECT_EQ(replaced.diagnostics[0].span.file, "--set stages.src=5");
  EXPECT_EQ(replaced.diagnostics[0].message, "stage 'src' must be a table");
}

TEST(Loader, TopLevelKeysOfPipelineOrAStageSayWhereTheyBelong) {
  auto r = load("name = \"x\"\ntype = \"gen\"\nnmae = 1\n[stages.a]\ntype = \"gen\"\n");
  ASSERT_EQ(r.diagnostics.size(), 3u) << all(r);
  EXPECT_EQ(r.diagnostics[0].message, "'name' belongs under [pipeline]");
  EXPECT_TRUE(has(r, "unknown-key", 1, 1)) << all(r);
  EXPECT_EQ(r.diagnostics[1].message, "'type' belongs to a stage");
  EXPECT_EQ(r.diagnostics[2].message, "unknown section 'nmae'");
}

TEST(Loader, HintsForQuotedNumbersInputTablesAndFarOffStageNames) {
  auto r = load(R"([pipeline]
threads = "4"
[stages.src]
type = "gen"
count = "10"
[stages.b]
type = "pass"
inputs = { from = "src" }
[stages.c]
type = "sink"
inputs = ["sorce", { form = "b" }, "elsewhere"]
)");
  ASSERT_EQ(r.diagnostics.size(), 6u) << all(r);
  EXPECT_EQ(r.diagnostics[0].hint, "remove the quotes: threads = 4");
  EXPECT_EQ(r.diagnostics[1].hint, "remove the quotes: count = 10");
  EXPECT_TRUE(has(r, "type-mismatch", 8, 10)) << all(r);
  EXPECT_EQ(r.diagnostics[2].hint,
            "an input table goes in the list too: inputs = [{ from = ... }]");
  EXPECT_TRUE(has(r, "unknown-input", 11, 11)) << all(r);
  EXPECT_EQ(r.diagnostics[3].hint, "did you mean 'src'?");
  // `form`: one error, the misspelling, not also "missing 'from'"
  EXPECT_TRUE(has(r, "unknown-key", 11, 22)) << all(r);
  EXPECT_TRUE(has(r, "unknown-input", 11, 36)) << all(r);
  EXPECT_EQ(r.diagnostics[5].hint, "the stages are: src, b");
}

TEST(Loader, CompilesSharedPoliciesAndResilienceOntoTheNode) {
  auto r = load(R"([limiters.api]
rate = 10
[stages.a]
type = "gen"
[stages.b]
type = "pass"
inputs = ["a"]
rate_limit = "api"
semaphore = { permits = 2 }
retry = { max_attempts = 3, initial_backoff = "10ms" }
on_error = "dead_letter"
[stages.c]
type = "sink"
inputs = ["b", "b.dead_letter"]
)");
  ASSERT_TRUE(r.ok()) << all(r);
  EXPECT_EQ(r.spec.stages[1].ports, (std::vector<std::string>{"out", "dead_letter"}));
  static const Registry registry = test_registry();
  auto c = compile(r.spec, registry);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(count(c.diagnostics, Severity::warning), 0u) << all(r);
  EXPECT_EQ(c.graph.nodes()[1].options.on_error, sluice::OnError::dead_letter);
  const auto& retry = c.graph.nodes()[1].options.retry;
  EXPECT_EQ(retry.max_attempts, 3);
  EXPECT_EQ(retry.initial_backoff, 10'000'000);
  EXPECT_EQ(retry.max_backoff, 10 * kNanosPerSecond);  // the schema's defaults
  EXPECT_EQ(retry.jitter, Jitter::full);
  EXPECT_TRUE(c.graph.nodes()[1].options.rate_limit);
  EXPECT_TRUE(c.graph.nodes()[1].options.semaphore);

  auto bad = load(
      "[stages.a]\ntype = \"gen\"\n[stages.b]\ntype = \"pass\"\ninputs = [\"a\"]\n"
      "rate_limit = \"api\"\n[stages.c]\ntype = \"sink\"\ninputs = [\"b\"]\n");
  EXPECT_TRUE(has(bad, "undeclared-name", 6, 14)) << all(bad);
}

// A sink takes the same wrappers; what it diverts leaves by its ports.
TEST(Loader, CompilesResilienceOntoASinkWithItsFailurePorts) {
  auto r = load(R"([stages.a]
type = "gen"
[stages.store]
type = "sink"
inputs = ["a"]
retry = { max_attempts = 3 }
circuit_breaker = { window = 10 }
timeout = "1s"
on_error = "dead_letter"
[stages.failed]
type = "sink"
inputs = ["store.dead_letter", "store.rejected"]
)");
  ASSERT_TRUE(r.ok()) << all(r);
  EXPECT_EQ(r.spec.stages[1].ports, (std::vector<std::string>{"dead_letter", "rejected"}));
  static const Registry registry = test_registry();
  auto c = compile(r.spec, registry);
  ASSERT_TRUE(c.ok()) << all(r);
  EXPECT_EQ(count(c.diagnostics, Severity::warning), 0u) << all(r);
  const auto& store = c.graph.nodes()[1].options;
  EXPECT_EQ(store.on_error, sluice::OnError::dead_letter);
  EXPECT_EQ(store.retry.max_attempts, 3);
  EXPECT_TRUE(store.circuit_breaker);
  EXPECT_EQ(store.timeout, kNanosPerSecond);

  // Its failures must be asked for by port: a sink has no default output.
  auto bad = load(R"([stages.a]
type = "gen"
[stages.store]
type = "sink"
inputs = ["a"]
on_error = "dead_letter"
[stages.failed]
type = "sink"
inputs = ["store"]
)");
  EXPECT_TRUE(has(bad, "unknown-port", 9, 11)) << all(bad);
  EXPECT_NE(all(bad).find("its failures can be consumed: 'store.dead_letter'"), std::string::npos)
      << all(bad);
}

TEST(Loader, WarnsAboutOutputsNobodyConsumes) {
  auto r = load(
      "[stages.a]\ntype = \"gen\"\n[stages.f]\ntype = \"split2\"\ninputs = [\"a\"]\n"
      "[stages.s]\ntype = \"sink\"\ninputs = [\"f.left\"]\n");
  ASSERT_TRUE(r.ok()) << all(r);
  ASSERT_EQ(r.diagnostics.size(), 1u) << all(r);
  EXPECT_EQ(r.diagnostics[0].severity, Severity::warning);
  EXPECT_NE(r.diagnostics[0].message.find("'f.right'"), std::string::npos);
}

TEST(Loader, MissingFileIsADiagnosticNotAnException) {
  auto r = load_pipeline("/nonexistent/x.toml", {}, test_registry());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics[0].code, "io");
}

}  // namespace
}  // namespace sluice::dsl
