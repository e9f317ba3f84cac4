// RFC 4648 test vectors (section 10), which Go's StdEncoding follows.

#include "base/base64.h"

#include <gtest/gtest.h>

namespace converge {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), std::optional<std::string>(plain));
  }
}

// RFC 4648 section 5: '-' and '_' replace '+' and '/'; RawURLEncoding drops the padding.
TEST(Base64Test, UrlAlphabetWithoutPadding) {
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode(std::string("\xfb\xff", 2)), "-_8");
  EXPECT_EQ(Base64UrlDecode("-_8"), std::string("\xfb\xff", 2));
  EXPECT_EQ(Base64UrlDecode("Zm8"), "fo");
  EXPECT_EQ(Base64UrlDecode("+/8="), std::nullopt);
}

TEST(Base64Test, SkipsLineBreaksAndRefusesGarbage) {
  EXPECT_EQ(Base64Decode("Zm9v\nYmFy"), std::optional<std::string>("foobar"));
  EXPECT_EQ(Base64Decode("Zm9v!"), std::nullopt);
  EXPECT_EQ(Base64Decode("Zg="), std::nullopt) << "missing padding";
  EXPECT_EQ(Base64Decode("Zg==Zg=="), std::nullopt) << "data after padding";
}

}  // namespace
}  // namespace converge
