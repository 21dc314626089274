// docs/stages.md is generated from the stage types' schemas
// (scripts/stage_reference.sh): it fails here as soon as a schema changes
// without the reference.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "e2e_support.hpp"

namespace {

using namespace sluice_e2e;  // NOLINT: test support

TEST_F(E2E, TheStageReferenceIsUpToDate) {
  const auto fresh = dir_ / "stages.md";
  const std::string command = "'" + (kRepo / "scripts" / "stage_reference.sh").string() + "' '" +
                              SLUICE_BIN + "' > '" + fresh.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_TRUE(read(fresh) == read(kRepo / "docs" / "stages.md"))
      << "docs/stages.md is stale: scripts/stage_reference.sh build/release/bin/sluice > "
         "docs/stages.md";
}

TEST_F(E2E, TheDocsNameNothingOutsideTheRepository) {
  for (const char* doc : {"README.md", "docs/architecture.md", "docs/contributing.md",
                          "docs/expressions.md", "docs/http.md", "docs/observability.md"}) {
    const std::string text = read(kRepo / doc);
    EXPECT_EQ(text.find("../shared"), std::string::npos) << doc;
    EXPECT_EQ(text.find("SPEC section"), std::string::npos) << doc;
  }
}

}  // namespace
