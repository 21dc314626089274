// Plugins end to end: the real `sluice` binary loading the example plugins
// (examples/plugins/) and the broken ones of tests/plugins/, and this test
// binary loading them itself (it exports the SDK like `sluice` does). Each
// way for a plugin to be wrong must be exit 2 and a message naming the file;
// an exception from a plugin's process() must meet the stage's on_error.
// Labelled `sanitize`: the ASan + UBSan and TSan builds run it too.
#include "sluice/plugin.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "plugin_support.hpp"
#include "sluice/dsl/loader.hpp"
#include "sluice/dsl/plugins.hpp"
#include "sluice/pipeline.hpp"
#include "sluice/plugin_loader.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support

// --- each way for a plugin to be wrong: exit 2, the file named ---------------

TEST_F(Plugins, MissingFileInPipelineIsReportedAtItsEntry) {
  write("p.toml",
        "[pipeline]\n"
        "plugins = [\"plugins/nope.so\"]\n"
        "[stages.src]\ntype = \"generate\"\ncount = 1\n"
        "[stages.out]\ntype = \"discard\"\ninputs = [\"src\"]\n");
  for (const char* command : {"check", "run", "graph"}) {
    EXPECT_EQ(sluice({command, "p.toml"}), 2) << command;
    EXPECT_TRUE(contains(err_,
                         "p.toml:2:12: error: cannot load plugin 'plugins/nope.so': no such "
                         "file\n  hint: paths in 'plugins' are relative to the pipeline "
                         "file's folder"))
        << command << ": " << err_;
  }
}

TEST_F(Plugins, MissingFileOnCommandLine) {
  write("p.toml",
        "[stages.src]\ntype = \"generate\"\n[stages.out]\ntype = \"discard\"\n"
        "inputs = [\"src\"]\n");
  for (std::vector<std::string> args : {std::vector<std::string>{"run", "p.toml"},
                                        {"check", "p.toml"},
                                        {"graph", "p.toml"},
                                        {"list"}}) {
    args.insert(args.end(), {"--plugin", "missing.so"});
    EXPECT_EQ(sluice(args), 2) << args[0];
    EXPECT_TRUE(
        contains(err_, "--plugin missing.so: error: cannot load plugin 'missing.so': no such file"))
        << args[0] << ": " << err_;
  }
}

TEST_F(Plugins, NotASharedLibrary) {
  write("fake.so", "this is text, not ELF\n");
  EXPECT_EQ(sluice({"list", "--plugin", "fake.so"}), 2);
  EXPECT_TRUE(contains(err_, "cannot load plugin 'fake.so': not a loadable shared library ("))
      << err_;
}

TEST_F(Plugins, NoEntryPoint) {
  const auto path = test_plugin("test_no_entry");
  EXPECT_EQ(sluice({"list", "--plugin", path}), 2);
  EXPECT_TRUE(contains(err_, "cannot load plugin '" + path +
                                 "': it has no entry point 'sluice_plugin_entry'\n"
                                 "  hint: declare one with SLUICE_PLUGIN"))
      << err_;
}

TEST_F(Plugins, WrongAbiVersionIsRejectedBeforeAnythingIsCalled) {
  const auto path = test_plugin("test_wrong_abi");
  // Its register function aborts: exit 2 (not a signal) shows it was not called.
  EXPECT_EQ(sluice({"list", "--plugin", path}), 2);
  EXPECT_TRUE(contains(err_, "cannot load plugin '" + path + "': it was built for plugin ABI " +
                                 "version " + std::to_string(sluice::kPluginAbiVersion + 1) +
                                 ", this sluice loads version " +
                                 std::to_string(sluice::kPluginAbiVersion)))
      << err_;
}

TEST_F(Plugins, TypeNameClashesWithABuiltIn) {
  const auto path = test_plugin("test_dup_builtin");
  EXPECT_EQ(sluice({"list", "--plugin", path}), 2);
  EXPECT_TRUE(
      contains(err_, "plugin '" + path + "' registers stage type 'map', which is a built-in type"))
      << err_;
}

TEST_F(Plugins, TypeNameClashesWithAnotherPlugin) {
  const auto first = plugin("stamp");
  const auto second = test_plugin("test_dup_stamp");
  write("p.toml", "[pipeline]\nplugins = [\"" + first + "\", \"" + second +
                      "\"]\n[stages.src]\ntype = \"generate\"\n[stages.out]\ntype = \"discard\"\n"
                      "inputs = [\"src\"]\n");
  EXPECT_EQ(sluice({"check", "p.toml"}), 2);
  EXPECT_TRUE(contains(
      err_, "p.toml:2:" + std::to_string(12 + first.size() + 4) + ": error: plugin '" + second +
                "' registers stage type 'stamp', which plugin '" + first + "' registers already"))
      << err_;
}

TEST_F(Plugins, RegisterFunctionThatThrows) {
  const auto path = test_plugin("test_register_throws");
  EXPECT_EQ(sluice({"list", "--plugin", path}), 2);
  EXPECT_TRUE(
      contains(err_, "plugin '" + path + "' failed to register its types: no licence key found"))
      << err_;
}

TEST_F(Plugins, ATypeWithoutTheFactoryOfItsRoleIsRejectedAtLoad) {
  const auto path = test_plugin("test_wrong_factory");
  EXPECT_EQ(sluice({"list", "--plugin", path}), 2);
  EXPECT_TRUE(contains(err_, "plugin '" + path +
                                 "' failed to register its types: stage type 'half_done' is a "
                                 "sink but its factory is empty"))
      << err_;
}

TEST_F(Plugins, FactoryThatRejectsItsOptionsIsReportedAtTheOptionItNames) {
  const auto path = test_plugin("test_types");
  write("p.toml", "[pipeline]\nplugins = [\"" + path +
                      "\"]\n\n[stages.src]\ntype = \"generate\"\ncount = 3\n\n"
                      "[stages.judge]\ntype = \"picky\"\ninputs = [\"src\"]\nlevel = 5\n\n"
                      "[stages.out]\ntype = \"discard\"\ninputs = [\"judge\"]\n");
  for (const char* command : {"check", "run"}) {
    EXPECT_EQ(sluice({command, "p.toml"}), 2) << command;
    EXPECT_TRUE(contains(err_, "p.toml:11:9: error: stage 'judge': type 'picky' of plugin '" +
                                   path +
                                   "' rejects its options: level 5 is above the highest "
                                   "level, 3"))
        << command << ": " << err_;
  }
}

// A plugin evaluates the expression language through the SDK, and its
// expression options are checked at their line and column like a built-in's.
TEST_F(Plugins, APluginEvaluatesExpressionsAndTemplates) {
  const auto path = test_plugin("test_types");
  write("p.toml", "[pipeline]\nplugins = [\"" + path +
                      "\"]\n[stages.src]\ntype = \"generate\"\ncount = 4\n"
                      "payload = '{{\"n\": {seq}}}'\n"
                      "[stages.t]\ntype = \"tag\"\ninputs = [\"src\"]\nwhen = '.n % 2 == 0'\n"
                      "label = 'even-{.n}'\n"
                      "[stages.out]\ntype = \"stdout\"\ninputs = [\"t\"]\nformat = \"json\"\n");
  ASSERT_EQ(sluice({"run", "p.toml", "--progress", "never"}), 0) << err_;
  const auto out = lines(out_);
  ASSERT_EQ(out.size(), 4u) << out_;
  EXPECT_FALSE(json::parse(out[0])["attrs"].contains("label"));
  EXPECT_EQ(json::parse(out[1])["attrs"]["label"], "even-2");
  EXPECT_EQ(json::parse(out[3])["attrs"]["label"], "even-4");

  write("bad.toml", "[pipeline]\nplugins = [\"" + path +
                        "\"]\n[stages.src]\ntype = \"generate\"\n"
                        "[stages.t]\ntype = \"tag\"\ninputs = [\"src\"]\nwhen = '.n %'\n"
                        "label = 'x'\n[stages.out]\ntype = \"discard\"\ninputs = [\"t\"]\n");
  EXPECT_EQ(sluice({"check", "bad.toml"}), 2);
  EXPECT_TRUE(contains(err_, "bad.toml:8:13: error: in expression 'when'")) << err_;
  EXPECT_TRUE(contains(err_, "expected an expression")) << err_;
}

TEST_F(Plugins, PluginOptionsAreCheckedAgainstTheirSchema) {
  write("p.toml",
        "[stages.src]\ntype = \"generate\"\n\n"
        "[stages.svc]\ntype = \"flaky_service\"\ninputs = [\"src\"]\nfailure_rate = 1.5\n"
        "latncy = \"1ms\"\n\n[stages.out]\ntype = \"discard\"\ninputs = [\"svc\"]\n");
  EXPECT_EQ(sluice({"check", "p.toml", "--plugin", plugin("flaky_service")}), 2);
  EXPECT_TRUE(contains(err_,
                       "p.toml:7:16: error: 'failure_rate' in stage 'svc' must be between 0 "
                       "and 1, got 1.5"))
      << err_;
  EXPECT_TRUE(contains(err_,
                       "p.toml:8:1: error: unknown key 'latncy' in stage 'svc'\n"
                       "  hint: did you mean 'latency'?"))
      << err_;
}

// A plugin's factory reports with the SDK's BadOption, as built-ins do: the
// diagnostic is at the option it names, whatever its message says.
TEST_F(Plugins, ABadOptionFromAPluginIsReportedAtTheOptionItNames) {
  const auto path = test_plugin("test_types");
  write("p.toml", "[pipeline]\nplugins = [\"" + path +
                      "\"]\n\n[stages.src]\ntype = \"generate\"\n\n"
                      "[stages.f]\ntype = \"fussy\"\ninputs = [\"src\"]\nlabel = \"\"\n\n"
                      "[stages.out]\ntype = \"discard\"\ninputs = [\"f\"]\n");
  EXPECT_EQ(sluice({"check", "p.toml"}), 2);
  EXPECT_TRUE(contains(err_, "p.toml:10:9: error: stage 'f': type 'fussy' of plugin '" + path +
                                 "' rejects its options: an empty value tells nothing apart"))
      << err_;
}

// A plugin option named `topic` is the plugin's own: only options whose spec
// refers_to "topics" must name a [topics.*] entry.
TEST_F(Plugins, APluginOptionNamedTopicIsNotATopicOfThePipeline) {
  const auto path = test_plugin("test_types");
  write("p.toml", "[pipeline]\nplugins = [\"" + path +
                      "\"]\n\n[stages.src]\ntype = \"generate\"\ncount = 3\n\n"
                      "[stages.out]\ntype = \"queue_out\"\ninputs = [\"src\"]\n"
                      "topic = \"orders\"\n");
  EXPECT_EQ(sluice({"check", "p.toml"}), 0) << err_;
  EXPECT_FALSE(contains(err_, "undeclared")) << err_;
  EXPECT_EQ(sluice({"run", "p.toml", "--progress", "never"}), 0) << err_;
}

// --- plugins at work ------------------------------------------------------------

TEST_F(Plugins, ListShowsPluginTypesLikeBuiltIns) {
  ASSERT_EQ(sluice({"list", "--plugin", plugin("flaky_service"), "--plugin", plugin("csv_enrich")}),
            0)
      << err_;
  EXPECT_TRUE(contains(out_, "\nflaky_service  ")) << out_;
  EXPECT_TRUE(contains(out_, "\ncsv_enrich     ")) << out_;
  ASSERT_EQ(sluice({"list", "flaky_service", "--plugin", plugin("flaky_service")}), 0) << err_;
  EXPECT_EQ(out_.rfind("flaky_service (stage), blocking: a simulated remote call", 0), 0u) << out_;
  EXPECT_TRUE(contains(out_,
                       "  failure_rate  float     0.1      share of calls that fail as "
                       "transient (0..1)\n"))
      << out_;
  EXPECT_TRUE(contains(out_, "Every stage also accepts:")) << out_;
}

TEST_F(Plugins, PipelineWithPluginsFromItsFolderEnrichesAndStamps) {
  // The plugins sit next to the pipeline file, which is not in the working folder.
  fs::create_directories(dir_ / "conf" / "lib");
  for (const char* p : {"csv_enrich", "stamp"}) {
    fs::copy_file(plugin(p), dir_ / "conf" / "lib" / (std::string(p) + ".so"));
  }
  write("conf/customers.csv", "id,name,tier\nc-0,Ann,gold\nc-1,\"Bo, Jr.\",silver\n");
  write("conf/p.toml",
        "[pipeline]\nplugins = [\"lib/csv_enrich.so\", \"lib/stamp.so\"]\n\n"
        "[stages.orders]\ntype = \"generate\"\ncount = 6\n"
        "payload = '{{\"customer\": \"c-{seq % 3}\", \"n\": {seq}}}'\n\n"
        "[stages.enrich]\ntype = \"csv_enrich\"\ninputs = [\"orders\"]\n"
        "path = \"conf/customers.csv\"\nkey = \"customer\"\nmissing = \"drop\"\nworkers = 2\n\n"
        "[stages.stamp]\ntype = \"stamp\"\ninputs = [\"enrich\"]\nvalue = \"seen\"\n\n"
        "[stages.out]\ntype = \"file\"\ninputs = [\"stamp\"]\npath = \"out.jsonl\"\n"
        "format = \"json\"\n");
  ASSERT_EQ(sluice({"run", "conf/p.toml", "--stats-json", "stats.json"}), 0) << err_;
  std::map<std::uint64_t, json> by_seq;
  for (const auto& line : lines(read(dir_ / "out.jsonl"))) {
    auto m = json::parse(line);
    by_seq[m["seq"].get<std::uint64_t>()] = m;
  }
  ASSERT_EQ(by_seq.size(), 4u) << read(dir_ / "out.jsonl");  // seq 2 and 5: c-2 is dropped
  for (auto& [seq, m] : by_seq) {
    EXPECT_EQ(m["attrs"]["stamp"], "seen") << m;
    auto payload = json::parse(m["payload"].get<std::string>());
    EXPECT_EQ(payload["n"], seq);
    if (seq % 3 == 0) {
      EXPECT_EQ(payload["name"], "Ann") << m;
      EXPECT_EQ(payload["tier"], "gold") << m;
    } else {
      EXPECT_EQ(payload["name"], "Bo, Jr.") << m;
      EXPECT_EQ(payload["tier"], "silver") << m;
    }
  }
  auto s = stats();
  EXPECT_EQ(s["stages"]["enrich"]["filtered"], 2) << s;
}

TEST_F(Plugins, SameLibraryFromFileAndCommandLineIsLoadedOnce) {
  write("p.toml", "[pipeline]\nplugins = [\"" + plugin("stamp") +
                      "\"]\n[stages.src]\ntype = \"generate\"\ncount = 2\n"
                      "[stages.s]\ntype = \"stamp\"\ninputs = [\"src\"]\nvalue = \"x\"\n"
                      "[stages.out]\ntype = \"discard\"\ninputs = [\"s\"]\n");
  EXPECT_EQ(sluice({"run", "p.toml", "--plugin", plugin("stamp")}), 0) << err_;
}

TEST_F(Plugins, ExceptionFromPluginProcessGoesToDeadLetter) {
  write("p.toml", "[pipeline]\nplugins = [\"" + test_plugin("test_types") +
                      "\"]\n[stages.src]\ntype = \"generate\"\ncount = 9\n"
                      "[stages.b]\ntype = \"boom\"\ninputs = [\"src\"]\nevery = 3\n"
                      "on_error = \"dead_letter\"\n"
                      "[stages.good]\ntype = \"file\"\ninputs = [\"b\"]\npath = \"good.txt\"\n"
                      "[stages.dead]\ntype = \"file\"\ninputs = [\"b.dead_letter\"]\n"
                      "path = \"dead.jsonl\"\nformat = \"json\"\n");
  ASSERT_EQ(sluice({"run", "p.toml", "--stats-json", "stats.json"}), 0) << err_;
  EXPECT_EQ(lines(read(dir_ / "good.txt")).size(), 6u);
  const auto dead = lines(read(dir_ / "dead.jsonl"));
  ASSERT_EQ(dead.size(), 3u);
  std::set<std::string> errors;
  for (const auto& line : dead) {
    auto m = json::parse(line);
    EXPECT_EQ(m["attrs"]["stage"], "b") << m;
    errors.insert(m["attrs"]["error"].get<std::string>());
  }
  EXPECT_EQ(errors, (std::set<std::string>{"boom at seq 3", "boom at seq 6", "boom at seq 9"}));
  EXPECT_EQ(stats()["stages"]["b"]["dead_letter"], 3);
}

TEST_F(Plugins, TransientErrorFromPluginGoesToDeadLetter) {
  write("p.toml",
        "[stages.src]\ntype = \"generate\"\ncount = 5\n"
        "[stages.svc]\ntype = \"flaky_service\"\ninputs = [\"src\"]\nlatency = \"0s\"\n"
        "failure_rate = 1.0\non_error = \"dead_letter\"\n"
        "[stages.good]\ntype = \"discard\"\ninputs = [\"svc\"]\n"
        "[stages.dead]\ntype = \"file\"\ninputs = [\"svc.dead_letter\"]\npath = \"dead.jsonl\"\n"
        "format = \"json\"\n");
  ASSERT_EQ(sluice({"run", "p.toml", "--plugin", plugin("flaky_service")}), 0) << err_;
  const auto dead = lines(read(dir_ / "dead.jsonl"));
  ASSERT_EQ(dead.size(), 5u);
  for (const auto& line : dead) {
    EXPECT_EQ(json::parse(line)["attrs"]["error"], "service unavailable (simulated 503)") << line;
  }
}

TEST_F(Plugins, ExceptionFromPluginProcessWithOnErrorFailStopsThePipeline) {
  write("p.toml", "[pipeline]\nplugins = [\"" + test_plugin("test_types") +
                      "\"]\n[stages.src]\ntype = \"generate\"\ncount = 9\n"
                      "[stages.b]\ntype = \"boom\"\ninputs = [\"src\"]\nevery = 4\n"
                      "[stages.out]\ntype = \"discard\"\ninputs = [\"b\"]\n");
  EXPECT_EQ(sluice({"run", "p.toml"}), 1) << err_;
  // The error line names the message by seq and by the trace id its logs carry.
  EXPECT_TRUE(std::regex_search(
      err_,
      std::regex("sluice: error: stage 'b' \\(seq 4, trace_id [1-9][0-9]*\\): boom at seq 4")))
      << err_;
}

TEST_F(Plugins, FlakyServiceSampleAccountsForEveryRequest) {
  ASSERT_EQ(sluice({"run", (kPipelines / "flaky_service.toml").string(), "--plugin",
                    plugin("flaky_service"), "--stats-json", "stats.json", "--progress", "never"}),
            0)
      << err_;
  const auto served = lines(read(dir_ / "flaky_service.served.jsonl"));
  const auto failed = lines(read(dir_ / "flaky_service.failed.jsonl"));
  EXPECT_EQ(served.size() + failed.size(), 200u);
  EXPECT_GT(served.size(), 0u);
  EXPECT_GT(failed.size(), 0u);  // the service goes down after 40 calls per instance
  for (const auto& line : served) {
    EXPECT_TRUE(contains(json::parse(line)["attrs"]["served_by"].get<std::string>(), "svc#"));
  }
  EXPECT_EQ(stats()["stages"]["svc"]["in"], 200);
}

// The sink is wrapped like a stage: retries, then the breaker opens on the
// outage and rejects the rest; every event is stored or failed, once.
TEST_F(Plugins, FlakySinkSampleAccountsForEveryEvent) {
  ASSERT_EQ(sluice({"run", (kPipelines / "flaky_sink.toml").string(), "--plugin",
                    plugin("flaky_service"), "--stats-json", "stats.json", "--progress", "never"}),
            0)
      << err_;
  const auto stored = lines(read(dir_ / "flaky_sink.stored.jsonl"));
  const auto failed = lines(read(dir_ / "flaky_sink.failed.jsonl"));
  std::set<std::int64_t> seen;
  for (const auto& line : stored) seen.insert(json::parse(line)["event"].get<std::int64_t>());
  for (const auto& line : failed) {
    const auto m = json::parse(line);
    EXPECT_EQ(m["attrs"]["stage"], "store");
    seen.insert(json::parse(m["payload"].get<std::string>())["event"].get<std::int64_t>());
  }
  EXPECT_EQ(stored.size() + failed.size(), 300u) << "an event was written twice or lost";
  EXPECT_EQ(seen.size(), 300u);
  const json all = stats();
  const auto& st = all["stages"]["store"];
  EXPECT_EQ(st["in"], 300);
  EXPECT_EQ(st["out"].get<std::size_t>(), stored.size());
  EXPECT_EQ(st["dead_letter"].get<std::size_t>() + st["rejected"].get<std::size_t>(),
            failed.size());
  EXPECT_GT(st["retries"].get<std::size_t>(), 0u);
  EXPECT_GT(st["rejected"].get<std::size_t>(), 0u) << "the store goes down after 250 writes";
  EXPECT_NE(st["breaker"]["state"], "closed");  // open, or half-open with failing probes
}

// --- in this process: the loader itself ------------------------------------------

TEST(PluginLoader, WrongAbiIsAnErrorNotACall) {
  auto p = sluice::open_plugin(test_plugin("test_wrong_abi"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, sluice::PluginErrorCode::abi_mismatch);
  EXPECT_EQ(p.error().hint, "rebuild the plugin against this sluice's SDK");
}

TEST(PluginLoader, RunsAPluginStageInProcess) {
  auto plugins = sluice::dsl::load_plugins(
      {sluice::dsl::command_line_plugin(plugin("flaky_service"))}, sluice::builtin_registry());
  ASSERT_TRUE(plugins.ok());
  ASSERT_EQ(plugins.plugins.size(), 1u);
  EXPECT_EQ(plugins.plugins[0].name, "flaky_service");
  EXPECT_EQ(plugins.plugins[0].version, "1.0.0");
  const auto* type = plugins.registry.find("flaky_service", true);
  ASSERT_NE(type, nullptr);
  EXPECT_TRUE(type->blocking);
  auto loaded = sluice::dsl::load_pipeline_text(
      "[stages.src]\ntype = \"generate\"\ncount = 50\n"
      "[stages.svc]\ntype = \"flaky_service\"\ninputs = [\"src\"]\nlatency = \"0s\"\n"
      "failure_rate = 0.5\non_error = \"drop\"\nworkers = 2\n"
      "[stages.out]\ntype = \"discard\"\ninputs = [\"svc\"]\n",
      "inline.toml", {}, plugins.registry);
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(sluice::dsl::check_plugin_stages(loaded.spec, plugins).empty());
  auto compiled = sluice::dsl::compile(loaded.spec, plugins.registry);
  ASSERT_TRUE(compiled.ok());
  compiled.run_options.log = [](sluice::LogLevel, std::string_view, std::string_view) {};
  sluice::Pipeline pipeline(std::move(compiled.graph), compiled.run_options);
  const auto result = pipeline.run();
  ASSERT_TRUE(result.ok()) << result.error;
  const auto stats = pipeline.stats();
  std::uint64_t in = 0, out = 0, dropped = 0;
  for (const auto& s : stats.stages) {
    if (s.name != "svc") continue;
    in = s.in;
    out = s.out;
    dropped = s.dropped;
  }
  EXPECT_EQ(in, 50u);
  EXPECT_GT(out, 0u);
  EXPECT_LT(out, 50u);
  EXPECT_EQ(out + dropped, 50u);
}

}  // namespace
