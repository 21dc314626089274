#include "expr/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

#include "expr/expression.hpp"
#include "expr/test_eval.hpp"

namespace sluice::expr {
namespace {

std::string eval(std::string_view src) {
  Message m;
  m.payload = "a\xff\xc3z";  // two bytes that are not UTF-8
  m.key = "Ωmega-Ünï";
  return test_eval::rendered(src, m);
}

TEST(Utf8, DecodeCountsCharacters) {
  EXPECT_EQ(utf8::count(""), 0U);
  EXPECT_EQ(utf8::count("abc"), 3U);
  EXPECT_EQ(utf8::count("ünï"), 3U);
  EXPECT_EQ(utf8::count("€"), 1U);
  EXPECT_EQ(utf8::count("😀x"), 2U);
  EXPECT_EQ(utf8::decode("😀", 0).code, U'😀');
  EXPECT_EQ(utf8::decode("😀", 0).len, 4U);
  // Each byte that does not start a well-formed sequence is one character.
  EXPECT_EQ(utf8::count("\xff\xfe"), 2U);
  EXPECT_EQ(utf8::count("\xc3"), 1U);              // truncated
  EXPECT_EQ(utf8::count("\xc0\xaf"), 2U);          // overlong '/'
  EXPECT_EQ(utf8::count("\xed\xa0\x80"), 3U);      // a surrogate
  EXPECT_EQ(utf8::count("\xf4\x90\x80\x80"), 4U);  // above U+10FFFF
  EXPECT_EQ(utf8::count("\xe2\x82"), 2U);          // truncated three-byte form
  EXPECT_FALSE(utf8::decode("\xff", 0).valid);
  EXPECT_EQ(utf8::offset_of("ünï", 1), 2U);
  EXPECT_EQ(utf8::offset_of("ünï", 3), 5U);
  EXPECT_EQ(utf8::offset_of("ünï", 9), 5U);
}

TEST(Utf8, EncodeRoundTrips) {
  for (const char32_t c : {U'a', U'ü', U'€', U'😀', U'\U0010FFFF'}) {
    std::string s;
    utf8::append(s, c);
    const auto ch = utf8::decode(s, 0);
    EXPECT_TRUE(ch.valid);
    EXPECT_EQ(ch.code, c);
    EXPECT_EQ(ch.len, s.size());
  }
}

TEST(Utf8, CaseMapping) {
  EXPECT_EQ(utf8::to_upper(U'ü'), U'Ü');
  EXPECT_EQ(utf8::to_upper(U'ÿ'), U'Ÿ');
  EXPECT_EQ(utf8::to_upper(U'µ'), U'Μ');
  EXPECT_EQ(utf8::to_upper(U'ß'), U'ß');  // no one-character capital
  EXPECT_EQ(utf8::to_upper(U'ł'), U'Ł');
  EXPECT_EQ(utf8::to_upper(U'ž'), U'Ž');
  EXPECT_EQ(utf8::to_upper(U'ı'), U'I');
  EXPECT_EQ(utf8::to_upper(U'ς'), U'Σ');
  EXPECT_EQ(utf8::to_upper(U'ώ'), U'Ώ');
  EXPECT_EQ(utf8::to_upper(U'я'), U'Я');
  EXPECT_EQ(utf8::to_upper(U'ё'), U'Ё');
  EXPECT_EQ(utf8::to_upper(U'ґ'), U'Ґ');
  EXPECT_EQ(utf8::to_lower(U'Ÿ'), U'ÿ');
  EXPECT_EQ(utf8::to_lower(U'İ'), U'i');
  EXPECT_EQ(utf8::to_lower(U'Ĺ'), U'ĺ');
  EXPECT_EQ(utf8::to_lower(U'Ά'), U'ά');
  EXPECT_EQ(utf8::to_lower(U'Ϊ'), U'ϊ');
  EXPECT_EQ(utf8::to_lower(U'Ӏ'), U'ӏ');
  EXPECT_EQ(utf8::to_lower(U'Ӂ'), U'ӂ');
  EXPECT_EQ(utf8::to_lower(U'Ԯ'), U'ԯ');
  EXPECT_EQ(utf8::to_lower(U'×'), U'×');
  EXPECT_EQ(utf8::to_upper(U'÷'), U'÷');
  // Every letter of the tabled ranges maps to one whose opposite mapping leads back.
  for (char32_t c = 0; c < 0x530; ++c) {
    const char32_t u = utf8::to_upper(c);
    if (u != c && c != U'µ' && c != U'ı' && c != U'ſ' && c != U'ς') {
      EXPECT_EQ(utf8::to_lower(u), c) << std::hex << static_cast<unsigned>(c);
    }
  }
}

TEST(Utf8, FunctionsCountAndChangeCharacters) {
  EXPECT_EQ(eval("len(\"ünï\")"), "3");
  EXPECT_EQ(eval("len(key)"), "9");
  EXPECT_EQ(eval("len(payload)"), "4");  // the invalid bytes count one each
  EXPECT_EQ(eval("upper(\"ünï\")"), "ÜNÏ");
  EXPECT_EQ(eval("lower(key)"), "ωmega-ünï");
  EXPECT_EQ(eval("upper(\"straße\")"), "STRAßE");
  EXPECT_EQ(eval("upper(\"привет, κόσμε\")"), "ПРИВЕТ, ΚΌΣΜΕ");
  EXPECT_EQ(eval("upper(payload)"), "A\xff\xc3Z");  // invalid bytes pass through
  EXPECT_EQ(eval("lower(payload)"), "a\xff\xc3z");
  EXPECT_EQ(eval("upper(\"日本\")"), "日本");
  EXPECT_EQ(eval("substr(\"ünï\", 1, 1)"), "n");
  EXPECT_EQ(eval("substr(\"ünï\", 0, 2)"), "ün");
  EXPECT_EQ(eval("substr(\"ünï\", -1, 5)"), "ï");
  EXPECT_EQ(eval("substr(key, 6, 3)"), "Ünï");
  EXPECT_EQ(eval("substr(\"ünï\", 3, 1)"), "");
  EXPECT_EQ(eval("substr(payload, 1, 2)"), "\xff\xc3");
  EXPECT_EQ(eval("\"ünï\"[2]"), "ï");
  EXPECT_EQ(eval("\"ünï\"[-3]"), "ü");
  EXPECT_EQ(eval("payload[2]"), "\xc3");
}

}  // namespace
}  // namespace sluice::expr
