#include "key_checks.hpp"

#include <gtest/gtest.h>

#include <string>

#include "sluice/dsl/loader.hpp"
#include "sluice/registry.hpp"

namespace sluice::dsl {
namespace {

/// The keyless-by-key warnings of a pipeline, one line each: "line: message".
std::string warnings(const std::string& text) {
  const LoadResult r = load_pipeline_text(text, "p.toml", {}, builtin_registry());
  std::string out;
  for (const auto& d : r.diagnostics) {
    if (d.code == "keyless-by-key") out += std::to_string(d.span.line) + ": " + d.message + "\n";
  }
  return out;
}

const std::string kSink = "[stages.out]\ntype = \"discard\"\ninputs = [\"c\"]\n";

std::string counted(const std::string& source, const std::string& between = "",
                    const std::string& by = "") {
  return source + between + "[stages.c]\ntype = \"count\"\ninputs = [\"" +
         (between.empty() ? "src" : "mid") + "\"]\n" + by + kSink;
}

TEST(KeylessByKey, SourcesThatSetNoKey) {
  EXPECT_EQ(warnings(counted("[stages.src]\ntype = \"stdin\"\n")),
            "3: stage 'c' counts by key (the default of 'by'), but its messages have no key: "
            "they come from stage 'src', which sets none; every message falls in the one group "
            "\"\"\n");
  EXPECT_NE(warnings(counted("[stages.src]\ntype = \"file\"\npath = \"in.txt\"\n")), "");
  EXPECT_NE(warnings(counted("[stages.src]\ntype = \"generate\"\ncount = 3\n")), "");
  EXPECT_NE(warnings(counted("[stages.src]\ntype = \"generate\"\ncount = 3\nkey = \"\"\n")), "");
}

TEST(KeylessByKey, ThroughStagesThatKeepTheKey) {
  const std::string src = "[stages.src]\ntype = \"stdin\"\n";
  EXPECT_NE(warnings(counted(src,
                             "[stages.mid]\ntype = \"filter\"\ninputs = [\"src\"]\n"
                             "condition = \"true\"\n")),
            "");
  EXPECT_NE(warnings(counted(src,
                             "[stages.mid]\ntype = \"map\"\ninputs = [\"src\"]\n"
                             "payload = \"{upper(payload)}\"\n")),
            "");
  EXPECT_NE(warnings(counted(src, "[stages.mid]\ntype = \"split\"\ninputs = [\"src\"]\n")), "");
}

TEST(KeylessByKey, NothingToSayWhenAKeyMayBeThere) {
  const std::string src = "[stages.src]\ntype = \"stdin\"\n";
  // A map that sets the key, a generate with a key, an explicit `by`.
  EXPECT_EQ(warnings(counted(src,
                             "[stages.mid]\ntype = \"map\"\ninputs = [\"src\"]\n"
                             "key = \"{payload}\"\n")),
            "");
  EXPECT_EQ(warnings(counted("[stages.src]\ntype = \"generate\"\ncount = 3\nkey = \"k{seq}\"\n")),
            "");
  EXPECT_EQ(warnings(counted(src, "", "by = \"payload\"\n")), "");
  // count's output has keys (the groups).
  EXPECT_EQ(warnings(counted(src,
                             "[stages.mid]\ntype = \"count\"\ninputs = [\"src\"]\n"
                             "by = \"payload\"\n")),
            "");
  // One input that may have keys is enough.
  EXPECT_EQ(warnings("[stages.a]\ntype = \"stdin\"\n[stages.b]\ntype = \"generate\"\n"
                     "key = \"{seq}\"\n[stages.c]\ntype = \"dedupe\"\ninputs = [\"a\", \"b\"]\n" +
                     kSink),
            "");
}

TEST(KeylessByKey, DedupeAndAnExplicitByKey) {
  EXPECT_EQ(warnings("[stages.src]\ntype = \"file\"\npath = \"in.txt\"\n[stages.c]\n"
                     "type = \"dedupe\"\ninputs = [\"src\"]\nby = \" key \"\n" +
                     kSink),
            "7: stage 'c' deduplicates by key, but its messages have no key: they come from stage "
            "'src', which sets none; every message after the first is a repeat and is dropped\n");
}

TEST(KeylessByKey, ThroughATopic) {
  EXPECT_NE(
      warnings("[topics.t]\n[stages.src]\ntype = \"stdin\"\n[stages.pub]\ntype = \"publish\"\n"
               "inputs = [\"src\"]\ntopic = \"t\"\n[stages.sub]\ntype = \"subscribe\"\n"
               "topic = \"t\"\n[stages.c]\ntype = \"count\"\ninputs = [\"sub\"]\n" +
               kSink),
      "");
}

}  // namespace
}  // namespace sluice::dsl
