// Expectations follow Go's unicode/utf8 rules (invalid byte = U+FFFD of width 1), which the
// JSON encoders of kubectl and Helm apply.

#include "base/utf8.h"

#include <gtest/gtest.h>

namespace converge {
namespace {

TEST(Utf8Test, DecodesValidSequences) { EXPECT_EQ(DecodeUtf8("aé日😀"), U"aé日😀"); }

TEST(Utf8Test, InvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(DecodeUtf8("a\xff"
                       "b"),
            U"a\uFFFDb");
  EXPECT_EQ(DecodeUtf8("\xe6\x97"), U"\uFFFD\uFFFD") << "truncated sequence";
  EXPECT_EQ(DecodeUtf8("\xc0\xaf"), U"\uFFFD\uFFFD") << "overlong encoding";
  EXPECT_EQ(DecodeUtf8("\xed\xa0\x80"), U"\uFFFD\uFFFD\uFFFD") << "surrogate";
  EXPECT_EQ(ValidUtf8("a\xff"
                      "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(ValidUtf8("ok é"), "ok é");
}

}  // namespace
}  // namespace converge
