// Clones over every transport Converge supports, each served by the real server software:
// git-http-backend behind lighttpd (HTTP, HTTPS with a private CA and basic auth) and OpenSSH's
// sshd (key auth, known_hosts).
#include <git2.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include "sources/git/git.h"
#include "tests/sources/git/servers.h"

namespace converge::sources::git {
namespace {

namespace fs = std::filesystem;

std::string UserName() {
  const passwd* entry = ::getpwuid(::getuid());
  return entry != nullptr ? entry->pw_name : "root";
}

class TransportTest : public ::testing::Test {
 protected:
  TransportTest() : repos_(dir_.path() / "repos") {
    fs::create_directories(repos_);
    upstream_ = std::make_unique<testing::Upstream>(repos_, "app");
    head_ = upstream_->Commit({{"deploy/cm.yaml", "kind: ConfigMap\n"}}, "one");
  }

  Options MirrorOptions(std::vector<CredentialRule> rules = {}) const {
    return Options{.cache_dir = dir_.path() / "cache", .credentials = std::move(rules)};
  }

  // Resolves main and reads a file through the tree view.
  void ExpectReadable(Mirror& mirror, const std::string& url) {
    Result<Commit> commit = mirror.Resolve(url, "main");
    ASSERT_TRUE(commit.ok()) << commit.status().message();
    EXPECT_EQ(commit->sha, head_);
    Result<std::unique_ptr<TreeView>> tree = mirror.Tree(*commit, "deploy");
    ASSERT_TRUE(tree.ok()) << tree.status().message();
    EXPECT_EQ(*(*tree)->Read("cm.yaml"), "kind: ConfigMap\n");
  }

  testing::TempDir dir_;
  fs::path repos_;
  std::unique_ptr<testing::Upstream> upstream_;
  std::string head_;
};

TEST_F(TransportTest, SmartHttp) {
  testing::HttpServer server(repos_, {});
  Mirror mirror(MirrorOptions());
  ExpectReadable(mirror, server.Url("app"));
  Result<Commit> missing = mirror.Resolve(server.Url("missing"), "main");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().message();
}

TEST_F(TransportTest, HttpsWithPrivateCaAndBasicAuth) {
  testing::HttpServer server(repos_, {.tls = true, .username = "deploy", .password = "s3cret-pw"});
  std::string url = server.Url("app");
  std::string prefix = url.substr(0, url.find("/git/") + 4);
  Credentials good{.username = "deploy", .password = "s3cret-pw", .ca_file = server.ca_file()};

  {
    Mirror mirror(MirrorOptions({{.url_prefix = prefix, .credentials = good}}));
    ExpectReadable(mirror, url);
  }
  {
    Credentials no_ca = good;
    no_ca.ca_file.clear();
    Mirror mirror(MirrorOptions({{.url_prefix = prefix, .credentials = no_ca}}));
    Result<Commit> untrusted = mirror.Resolve(url, "main");
    ASSERT_FALSE(untrusted.ok());
    EXPECT_EQ(untrusted.status().code(), StatusCode::kInvalid);
    EXPECT_NE(untrusted.status().message().find("certificate"), std::string::npos)
        << untrusted.status().message();
  }
  {
    Credentials wrong = good;
    wrong.password = "wrong-password";
    Mirror mirror(MirrorOptions({{.url_prefix = prefix, .credentials = wrong}}));
    Result<Commit> refused = mirror.Resolve(url, "main");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalid) << refused.status().message();
    EXPECT_NE(refused.status().message().find("authentication"), std::string::npos)
        << refused.status().message();
    EXPECT_EQ(refused.status().message().find("wrong-password"), std::string::npos);
  }
  {
    // Credentials in the URL itself work and never show in results or messages.
    Credentials ca_only{.ca_file = server.ca_file()};
    Mirror mirror(MirrorOptions({{.url_prefix = prefix, .credentials = ca_only}}));
    std::string with_user = "https://deploy:s3cret-pw@" + url.substr(8);
    Result<Commit> commit = mirror.Resolve(with_user, "main");
    ASSERT_TRUE(commit.ok()) << commit.status().message();
    EXPECT_EQ(commit->url, url);
    Result<Commit> missing = mirror.Resolve(with_user, "nope");
    EXPECT_EQ(missing.status().message().find("s3cret"), std::string::npos);
  }
}

TEST_F(TransportTest, BearerToken) {
  testing::HttpServer server(repos_, {.bearer_token = "t0ken-value"});
  std::string url = server.Url("app");
  {
    Mirror mirror(
        MirrorOptions({{.url_prefix = url, .credentials = {.bearer_token = "t0ken-value"}}}));
    ExpectReadable(mirror, url);
  }
  Mirror mirror(MirrorOptions({{.url_prefix = url, .credentials = {.bearer_token = "other"}}}));
  Result<Commit> refused = mirror.Resolve(url, "main");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalid) << refused.status().message();
  EXPECT_EQ(refused.status().message().find("other"), std::string::npos);
}

TEST_F(TransportTest, SshWithKeysAndKnownHosts) {
  ASSERT_NE(git_libgit2_features() & GIT_FEATURE_SSH, 0) << "libgit2 built without SSH";
  testing::SshServer server(repos_);
  std::string url = server.Url("app");
  Credentials key{.ssh_private_key = server.client_key(), .known_hosts = server.known_hosts()};
  {
    Mirror mirror(MirrorOptions({{.url_prefix = url, .credentials = key}}));
    ExpectReadable(mirror, url);
  }
  {
    Credentials encrypted = key;
    encrypted.ssh_private_key = server.encrypted_client_key();
    encrypted.ssh_passphrase = testing::SshServer::kPassphrase;
    fs::remove_all(dir_.path() / "cache");
    Mirror mirror(MirrorOptions({{.url_prefix = url, .credentials = encrypted}}));
    ExpectReadable(mirror, url);
  }
  {
    // Without a user in the URL, the user name comes from the credentials.
    Credentials named = key;
    named.username = UserName();
    std::string bare_url = server.UrlWithoutUser("app");
    fs::remove_all(dir_.path() / "cache");
    Mirror mirror(MirrorOptions({{.url_prefix = bare_url, .credentials = named}}));
    ExpectReadable(mirror, bare_url);
  }
  {
    Credentials other_host = key;
    other_host.known_hosts = server.wrong_known_hosts();
    Mirror mirror(MirrorOptions({{.url_prefix = url, .credentials = other_host}}));
    Result<Commit> refused = mirror.Resolve(url, "main");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalid);
    EXPECT_NE(refused.status().message().find("does not match known_hosts"), std::string::npos)
        << refused.status().message();
  }
  {
    testing::TempDir empty;
    Credentials unknown = key;
    unknown.known_hosts = empty.Write("known_hosts", "");
    Mirror mirror(MirrorOptions({{.url_prefix = url, .credentials = unknown}}));
    Result<Commit> refused = mirror.Resolve(url, "main");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalid);
    EXPECT_NE(refused.status().message().find("is not in known_hosts"), std::string::npos)
        << refused.status().message();
  }
  {
    Credentials no_known_hosts = key;
    no_known_hosts.known_hosts.clear();
    Mirror mirror(MirrorOptions({{.url_prefix = url, .credentials = no_known_hosts}}));
    Result<Commit> refused = mirror.Resolve(url, "main");
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.status().message().find("never trusted on first use"), std::string::npos)
        << refused.status().message();
  }
}

// A server that accepts the connection, sends one byte and then nothing more: the operation
// ends at its deadline on every transport, SSH included (libssh2 waits on the socket itself).
TEST_F(TransportTest, SilentServerTimesOutOnEveryTransport) {
  testing::GitDaemon daemon(repos_);
  testing::HttpServer http(repos_, {});
  testing::HttpServer https(repos_, {.tls = true});
  testing::SshServer ssh(repos_);
  struct Case {
    std::string name;
    int port;
    std::string scheme_and_user;
    std::string path;
    Credentials credentials;
  };
  std::vector<Case> cases = {
      {"git daemon", daemon.port(), "git://", "/app.git", {}},
      {"http", http.port(), "http://", "/git/app.git", {}},
      {"https", https.port(), "https://", "/git/app.git", {.ca_file = https.ca_file()}},
      {"ssh",
       ssh.port(),
       "ssh://" + UserName() + "@",
       (repos_ / "app.git").string(),
       {.ssh_private_key = ssh.client_key(), .known_hosts = ssh.known_hosts()}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    testing::Relay relay({.target_port = c.port, .cut_after = 1, .stall = true});
    std::string url = c.scheme_and_user + "127.0.0.1:" + std::to_string(relay.port()) + c.path;
    Options options = MirrorOptions({{.url_prefix = url, .credentials = c.credentials}});
    options.cache_dir = dir_.path() / ("cache-" + std::to_string(c.port));
    options.timeout = std::chrono::seconds(1);
    Mirror mirror(options);
    Result<Commit> silent = mirror.Resolve(url, "main");
    ASSERT_FALSE(silent.ok());
    EXPECT_EQ(silent.status().code(), StatusCode::kUnavailable) << silent.status().message();
    EXPECT_NE(silent.status().message().find("timed out after 1s"), std::string::npos)
        << silent.status().message();
    EXPECT_TRUE(relay.WaitUntilCut());
  }
}

}  // namespace
}  // namespace converge::sources::git
