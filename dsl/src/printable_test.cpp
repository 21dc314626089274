#include "sluice/dsl/printable.hpp"

#include <gtest/gtest.h>

#include <string>

#include "sluice/dsl/loader.hpp"

namespace sluice::dsl {
namespace {

TEST(Printable, EscapesControlCharactersOnly) {
  EXPECT_EQ(printable("plain \xC3\xA9t\xC3\xA9 \\ \"q\""), "plain \xC3\xA9t\xC3\xA9 \\ \"q\"");
  EXPECT_EQ(printable("a\x1b[31mb"), "a\\x1b[31mb");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("l1\nl2\r\tx\x7f"), "l1\\nl2\\r\\tx\\x7f");
  EXPECT_EQ(printable("c1 \xC2\x9B"
                      "2J \xC2\xA0"),
            "c1 \\xc2\\x9b2J \xC2\xA0");
}

TEST(Printable, DiagnosticsNeverCarryControlCharacters) {
  static const Registry empty;
  // A NUL in a key cut the message short; an escape in a name reached the terminal.
  const std::string text = "[\"ev\\u001b[2Jil\"]\n[pipeline]\n\"k\\u0000ey\" = 1\n";
  auto r = load_pipeline_text(text, "p.toml", {}, empty);
  std::string all;
  for (const auto& d : r.diagnostics) all += format(d);
  for (const char c : all) {
    if (c == '\n') continue;  // ends each line
    EXPECT_GE(static_cast<unsigned char>(c), 0x20) << all;
  }
  EXPECT_NE(all.find("unknown section 'ev\\x1b[2Jil'"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown key 'k\\x00ey' in [pipeline]"), std::string::npos) << all;
}

}  // namespace
}  // namespace sluice::dsl
