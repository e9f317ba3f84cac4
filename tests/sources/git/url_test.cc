#include <gtest/gtest.h>

#include "sources/git/git.h"
#include "sources/git/internal.h"

namespace converge::sources::git {
namespace {

TEST(UrlTest, NormalizesSpellingsOfOneRepository) {
  const std::string expected = "https://github.com/Org/Repo";
  for (const char* url :
       {"https://github.com/Org/Repo", "https://GitHub.com/Org/Repo.git",
        "https://github.com/Org/Repo/", "HTTPS://user:token@github.com:443/Org/Repo.git"}) {
    EXPECT_EQ(NormalizeUrl(url), expected) << url;
  }
  EXPECT_EQ(NormalizeUrl("git@github.com:org/repo.git"), "ssh://github.com/org/repo");
  EXPECT_EQ(NormalizeUrl("ssh://git@github.com:22/org/repo"), "ssh://github.com/org/repo");
  EXPECT_EQ(NormalizeUrl("http://127.0.0.1:8080/git/a.git"), "http://127.0.0.1:8080/git/a");
  EXPECT_NE(NormalizeUrl("https://github.com/org/a"), NormalizeUrl("https://github.com/org/b"));
}

TEST(UrlTest, DisplayDropsUserInfo) {
  EXPECT_EQ(DisplayUrl("https://deploy:s3cret@git.example.com/org/repo.git"),
            "https://git.example.com/org/repo.git");
  EXPECT_EQ(DisplayUrl("https://git.example.com/org/repo@v1"),
            "https://git.example.com/org/repo@v1");
  EXPECT_EQ(DisplayUrl("git@github.com:org/repo.git"), "github.com:org/repo.git");
}

TEST(UrlTest, CommitDisplayFollowsFlux) {
  EXPECT_EQ((Commit{.sha = "abc", .ref = "main"}).Display(), "main@sha1:abc");
  EXPECT_EQ((Commit{.sha = "abc"}).Display(), "sha1:abc");
}

}  // namespace
}  // namespace converge::sources::git

namespace converge::sources::git {
namespace {

TEST(UrlTest, CredentialsComeFromTheLongestMatchingPrefix) {
  std::vector<CredentialRule> rules = {
      {.url_prefix = "https://git.example.com/org", .credentials = {.username = "org"}},
      {.url_prefix = "https://git.example.com/org/app.git", .credentials = {.username = "app"}},
      {.url_prefix = "https://GIT.example.com", .credentials = {.username = "host"}},
  };
  auto user = [&rules](const std::string& url) {
    const Credentials* found = FindCredentials(rules, NormalizeUrl(url));
    return found == nullptr ? std::string("none") : found->username;
  };
  EXPECT_EQ(user("https://git.example.com/org/app"), "app");
  EXPECT_EQ(user("https://git.example.com/org/other.git"), "org");
  EXPECT_EQ(user("https://git.example.com/organisation/x"), "host");
  EXPECT_EQ(user("https://elsewhere.example.com/org/app"), "none");
}

}  // namespace
}  // namespace converge::sources::git
