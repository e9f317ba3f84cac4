#include "operator/application/repositories.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/base64.h"
#include "base/file.h"
#include "tests/support/support.h"

namespace converge::app {
namespace {

namespace git = sources::git;

kube::Object Secret(const std::string& name, const std::string& type,
                    const std::map<std::string, std::string>& data) {
  nlohmann::json encoded = nlohmann::json::object();
  for (const auto& [key, value] : data) encoded[key] = Base64Encode(value);
  return kube::Object(nlohmann::json{
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"metadata",
       {{"name", name}, {"namespace", "converge"}, {"labels", {{kSecretTypeLabel, type}}}}},
      {"data", encoded}});
}

TEST(RepositoryCredentialsTest, RepositorySecretsAndTemplatesByLongestPrefix) {
  testing::TempDir dir;
  std::vector<kube::Object> secrets = {
      Secret(
          "org-template", "repo-creds",
          {{"url", "https://git.example.com/org"}, {"username", "bot"}, {"password", "tmpl-pw"}}),
      Secret("app", "repository",
             {{"url", "https://git.example.com/org/app.git"}, {"bearerToken", "app-token"}}),
      Secret("deploy-key", "repository",
             {{"url", "ssh://git@git.example.com/org/infra.git"},
              {"sshPrivateKey", "-----BEGIN OPENSSH PRIVATE KEY-----\nkey\n"},
              {"knownHosts", "git.example.com ssh-ed25519 AAAA\n"}}),
      Secret("unrelated", "something-else", {{"url", "https://x"}}),
  };
  RepositoryCredentials read =
      ReadRepositoryCredentials(secrets, dir.path() / "material", "/etc/converge/known_hosts");
  EXPECT_TRUE(read.errors.empty());
  ASSERT_EQ(read.rules.size(), 3u);

  const git::Credentials* app =
      git::FindCredentials(read.rules, git::NormalizeUrl("https://git.example.com/org/app"));
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->bearer_token, "app-token");
  const git::Credentials* other =
      git::FindCredentials(read.rules, git::NormalizeUrl("https://git.example.com/org/web.git"));
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->username, "bot");
  EXPECT_EQ(other->password, "tmpl-pw");
  EXPECT_EQ(other->known_hosts, "/etc/converge/known_hosts");
  EXPECT_EQ(git::FindCredentials(read.rules, git::NormalizeUrl("https://git.example.com/orga/x")),
            nullptr);

  const git::Credentials* infra = git::FindCredentials(
      read.rules, git::NormalizeUrl("ssh://git@git.example.com/org/infra.git"));
  ASSERT_NE(infra, nullptr);
  EXPECT_EQ(ReadFile(infra->ssh_private_key), "-----BEGIN OPENSSH PRIVATE KEY-----\nkey\n");
  EXPECT_EQ(ReadFile(infra->known_hosts), "git.example.com ssh-ed25519 AAAA\n");
  struct stat info {};
  ASSERT_EQ(::stat(infra->ssh_private_key.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(RepositoryCredentialsTest, BadSecretsAreReportedWithoutTheirValues) {
  testing::TempDir dir;
  kube::Object bad_base64 = Secret("garbled", "repository", {{"url", "https://h/r"}});
  bad_base64.mutable_json()["data"]["password"] = "not*base64!hunter2";
  std::vector<kube::Object> secrets = {
      Secret("no-url", "repo-creds", {{"password", "hunter2"}}),
      bad_base64,
      Secret("fine", "repository", {{"url", "https://h/fine"}, {"password", "hunter2"}}),
  };
  RepositoryCredentials read = ReadRepositoryCredentials(secrets, dir.path(), "");
  ASSERT_EQ(read.rules.size(), 1u);
  EXPECT_EQ(read.rules[0].url_prefix, "https://h/fine");
  ASSERT_EQ(read.errors.size(), 2u);
  EXPECT_EQ(read.errors[0], "Secret converge/no-url: data.url is required");
  EXPECT_EQ(read.errors[1], "Secret converge/garbled: data.password is not valid base64");
  for (const std::string& error : read.errors) {
    EXPECT_EQ(error.find("hunter2"), std::string::npos);
  }
}

}  // namespace
}  // namespace converge::app
