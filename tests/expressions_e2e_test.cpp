// The expression language through the real binary (docs/expressions.md): an
// access log turned into JSON lines with capture(), parse_time(),
// format_time(), json(), env() and the conditional, every line valid JSON
// whatever the log holds.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "e2e_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support

TEST_F(E2E, AnAccessLogBecomesJsonLines) {
  const auto log = kPipelines / "real" / "data" / "access.log";
  write("p.toml", R"x([stages.log]
type = "file"
path = ")x" + log.string() +
                      R"x("

[stages.shape]
type = "map"
inputs = ["log"]
payload = '''{{"at": {json(format_time(parse_time(capture(payload, "\\[([^\\]]+)\\]"), "%d/%b/%Y:%H:%M:%S %z")))}, "status": {capture(payload, "\" (\\d{3}) ")}, "class": {json(capture(payload, "\" (\\d{3}) ") >= 500 ? "error" : "ok")}, "request": {json(capture(payload, "\"([^\"]*)\""))}, "host": {json(env("SLUICE_E2E_HOST"))}, "none": {json(env("SLUICE_E2E_UNSET"))}}}'''

[stages.print]
type = "stdout"
inputs = ["shape"]
)x");
  ::setenv("SLUICE_E2E_HOST", "web \"1\"", 1);
  ::unsetenv("SLUICE_E2E_UNSET");
  Sluice p({"run", "p.toml", "--progress", "never"}, dir_);
  ASSERT_EQ(p.wait(), 0) << p.err();
  ::unsetenv("SLUICE_E2E_HOST");
  EXPECT_EQ(p.err(), "");
  const auto out = lines(p.out());
  const auto in = lines(read(log));
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const json j = json::parse(out[i], nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(j.is_discarded()) << out[i];
    // [04/Dec/2026:10:00:00 +0000] -> "2026-12-04T10:00:00.000Z"
    const std::string clf = in[i].substr(in[i].find('[') + 1, 20);
    EXPECT_EQ(j["at"], "2026-12-04T" + clf.substr(12, 8) + ".000Z") << in[i];
    const int status = j["status"].get<int>();
    EXPECT_NE(in[i].find("\" " + std::to_string(status) + " "), std::string::npos) << in[i];
    EXPECT_EQ(j["class"], status >= 500 ? "error" : "ok") << in[i];
    EXPECT_EQ(j["request"].get<std::string>().rfind("GET /", 0), 0u) << out[i];
    EXPECT_EQ(j["host"], "web \"1\"");
    EXPECT_TRUE(j["none"].is_null());
  }
}

TEST_F(E2E, NewFunctionsAreCheckedAtLoad) {
  write("p.toml", R"x([stages.src]
type = "generate"
count = 1
payload = '{capture(payload, "(a)", 2)}'
[stages.out]
type = "discard"
inputs = ["src"]
)x");
  Sluice p({"check", "p.toml"}, dir_);
  EXPECT_EQ(p.wait(), 2);
  EXPECT_NE(p.err().find("p.toml:4:37: error: in template 'payload' in stage 'src': the regex has "
                         "1 group, so there is no group 2"),
            std::string::npos)
      << p.err();
}

}  // namespace
