#include "base/log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace converge::log {
namespace {

TEST(LogTest, TextBodyHasMessageThenFields) {
  EXPECT_EQ(FormatBody(Format::kText, "synced", {{"app", "guestbook"}, {"revision", "abc 123"}}),
            "synced app=guestbook revision=\"abc 123\"");
}

TEST(LogTest, JsonBodyIsValidJsonInsideBraces) {
  std::string body = FormatBody(Format::kJson, "say \"hi\"", {{"app", "a\nb"}});
  nlohmann::json parsed = nlohmann::json::parse("{" + body + "}");
  EXPECT_EQ(parsed["msg"], "say \"hi\"");
  EXPECT_EQ(parsed["app"], "a\nb");
}

TEST(LogTest, SensitiveFieldsAreNeverPrinted) {
  for (const char* key : {"token", "password", "clientSecret", "Authorization", "apiKey",
                          "privateKey", "webhookSecret"}) {
    EXPECT_TRUE(IsSensitiveKey(key)) << key;
    std::string body = FormatBody(Format::kText, "m", {{key, "hunter2"}});
    EXPECT_EQ(body.find("hunter2"), std::string::npos) << body;
  }
  EXPECT_FALSE(IsSensitiveKey("app"));
  EXPECT_FALSE(IsSensitiveKey("revision"));
}

TEST(LogTest, UrlCredentialsAreScrubbed) {
  EXPECT_EQ(Redact("fetch https://user:s3cr3t@github.com/org/repo.git failed"),
            "fetch https://REDACTED@github.com/org/repo.git failed");
  EXPECT_EQ(Redact("ssh://git@host:22/x"), "ssh://REDACTED@host:22/x");
  EXPECT_EQ(Redact("https://github.com/org/repo.git"), "https://github.com/org/repo.git");
  std::string body = FormatBody(Format::kJson, "clone", {{"repo", "https://u:p4ss@h/r"}});
  EXPECT_EQ(body.find("p4ss"), std::string::npos) << body;
}

TEST(LogTest, AuthorizationHeadersAreScrubbed) {
  EXPECT_EQ(Redact("Authorization: Bearer eyJhbGciOi.x.y"), "Authorization: Bearer REDACTED");
  EXPECT_EQ(Redact("header Basic dXNlcjpwYXNz end"), "header Basic REDACTED end");
  EXPECT_EQ(Redact("uses basic auth"), "uses basic auth");
}

TEST(LogTest, ParsesLevelsAndFormats) {
  EXPECT_EQ(*ParseLevel("debug"), Level::kDebug);
  EXPECT_EQ(*ParseLevel("warn"), Level::kWarn);
  EXPECT_FALSE(ParseLevel("loud").ok());
  EXPECT_EQ(*ParseFormat("json"), Format::kJson);
  EXPECT_FALSE(ParseFormat("xml").ok());
}

}  // namespace
}  // namespace converge::log
