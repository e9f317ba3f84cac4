// The webhook handler with each provider's push event (payload shapes from the providers'
// documentation, signatures by the openssl command), and the matching rules of Argo CD.
#include "operator/webhook/webhook.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/operator/webhook/payloads.h"
#include "tests/support/support.h"

namespace converge::webhook {
namespace {

using nlohmann::json;
using testing::Headers;
using testing::PushFields;

Request MakeRequest(const Headers& headers, const std::string& body) {
  return Request{.header =
                     [headers](std::string_view name) {
                       for (const auto& [key, value] : headers) {
                         if (key.size() == name.size() &&
                             std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
                               return std::tolower(a) == std::tolower(b);
                             })) {
                           return value;
                         }
                       }
                       return std::string();
                     },
                 .body = body};
}

kube::ObjectRef Application(const std::string& name, const std::string& repo_url,
                            const std::string& revision, const std::string& path = "deploy",
                            const std::map<std::string, std::string>& annotations = {}) {
  json object = {
      {"apiVersion", "converge.dev/v1alpha1"},
      {"kind", "Application"},
      {"metadata", {{"name", name}, {"namespace", "converge"}}},
      {"spec",
       {{"source", {{"repoURL", repo_url}, {"targetRevision", revision}, {"path", path}}},
        {"destination", {{"server", "https://kubernetes.default.svc"}, {"namespace", "demo"}}}}}};
  for (const auto& [key, value] : annotations) object["metadata"]["annotations"][key] = value;
  return std::make_shared<const kube::Object>(std::move(object));
}

PushFields ExampleFields() {
  return PushFields{.web_url = "https://git.example.com/org/app",
                    .clone_url = "https://git.example.com/org/app.git",
                    .ssh_url = "git@git.example.com:org/app.git",
                    .git_url = "git://git.example.com/org/app.git"};
}

// GitHub's documented test vector ("Validating webhook deliveries").
TEST(VerifyTest, GitHubDocumentedSignature) {
  std::string body = "Hello, World!";
  std::string secret = "It's a Secret to Everybody";
  Headers headers = {{"X-GitHub-Event", "push"},
                     {"X-Hub-Signature-256",
                      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}};
  EXPECT_TRUE(Verify(Provider::kGitHub, MakeRequest(headers, body), secret));
  EXPECT_FALSE(Verify(Provider::kGitHub, MakeRequest(headers, body + " "), secret));
  EXPECT_FALSE(Verify(Provider::kGitHub, MakeRequest(headers, body), secret + "!"));
  headers[1].second = "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
  EXPECT_FALSE(Verify(Provider::kGitHub, MakeRequest(headers, body), secret));
  headers[1].second = "sha256=757107ea";
  EXPECT_FALSE(Verify(Provider::kGitHub, MakeRequest(headers, body), secret));
}

struct ProviderCase {
  std::string provider;
  std::string payload;
  std::string event;
  Provider detected;
};

class HandlerTest : public ::testing::TestWithParam<ProviderCase> {
 protected:
  void SetUp() override {
    for (const char* name : {"github", "gitlab", "gitea", "gogs", "bitbucket-server", "generic"}) {
      dir_.Write(std::string("secrets/") + name, Secret(name) + "\n");
    }
    applications_ = {
        Application("match", "git@git.example.com:org/app.git", "HEAD"),
        Application("other-repo", "https://git.example.com/org/other.git", "HEAD"),
        Application("other-branch", "https://git.example.com/org/app", "release"),
    };
  }

  static std::string Secret(const std::string& provider) { return "s3cret-of-" + provider; }

  Handler MakeHandler(size_t max_body_bytes = size_t{1} << 20) {
    return Handler(
        {.secrets_dir = dir_.path() / "secrets", .max_body_bytes = max_body_bytes},
        {.applications = [this] { return applications_; },
         .refresh = [this](const std::string& ns,
                           const std::string& name) { refreshed_.push_back(ns + "/" + name); }});
  }

  testing::TempDir dir_;
  std::vector<kube::ObjectRef> applications_;
  std::vector<std::string> refreshed_;
};

TEST_P(HandlerTest, SignedPushRefreshesTheApplicationsUsingTheBranch) {
  const ProviderCase& c = GetParam();
  std::string body = testing::WebhookPayload(c.payload, ExampleFields());
  Headers headers = testing::SignedHeaders(c.provider, c.event, body, Secret(c.provider));
  Request request = MakeRequest(headers, body);
  EXPECT_EQ(Detect(request), c.detected);
  Handler handler = MakeHandler();
  Response response = handler.Handle(request);
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body), json::parse(R"({"refreshed": ["converge/match"]})"));
  EXPECT_EQ(refreshed_, std::vector<std::string>{"converge/match"});
  std::string metrics;
  handler.WriteMetrics(metrics);
  EXPECT_NE(metrics.find("converge_webhook_requests_total{provider=\"" + c.provider +
                         "\",result=\"ok\"} 1\n"),
            std::string::npos)
      << metrics;
}

TEST_P(HandlerTest, WrongSecretIsRefusedAndRefreshesNothing) {
  const ProviderCase& c = GetParam();
  std::string body = testing::WebhookPayload(c.payload, ExampleFields());
  Headers headers = testing::SignedHeaders(c.provider, c.event, body, "not-the-secret");
  Handler handler = MakeHandler();
  Response response = handler.Handle(MakeRequest(headers, body));
  EXPECT_EQ(response.status, 401) << response.body;
  EXPECT_EQ(json::parse(response.body)["code"], 401);
  EXPECT_TRUE(refreshed_.empty());
}

TEST_P(HandlerTest, ProviderWithoutSecretFileIsRefused) {
  const ProviderCase& c = GetParam();
  std::filesystem::remove(dir_.path() / "secrets" / c.provider);
  std::string body = testing::WebhookPayload(c.payload, ExampleFields());
  Headers headers = testing::SignedHeaders(c.provider, c.event, body, Secret(c.provider));
  Response response = MakeHandler().Handle(MakeRequest(headers, body));
  EXPECT_EQ(response.status, 401) << response.body;
  EXPECT_TRUE(refreshed_.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Providers, HandlerTest,
    ::testing::Values(ProviderCase{"github", "github-push.json", "push", Provider::kGitHub},
                      ProviderCase{"gitlab", "gitlab-push.json", "push", Provider::kGitLab},
                      ProviderCase{"gitea", "gitea-push.json", "push", Provider::kGitea},
                      ProviderCase{"gogs", "gogs-push.json", "push", Provider::kGogs},
                      ProviderCase{"bitbucket-server", "bitbucket-server-refs-changed.json", "push",
                                   Provider::kBitbucketServer},
                      ProviderCase{"generic", "generic-push.json", "push", Provider::kGeneric}),
    [](const ::testing::TestParamInfo<ProviderCase>& param_info) {
      std::string name = param_info.param.provider;
      std::erase(name, '-');
      return name;
    });

class HandlerEdgeTest : public HandlerTest {};

TEST_F(HandlerEdgeTest, PingIsAnsweredWithoutRefreshing) {
  std::string body = testing::WebhookPayload("github-ping.json", ExampleFields());
  Response response = MakeHandler().Handle(
      MakeRequest(testing::SignedHeaders("github", "ping", body, Secret("github")), body));
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body), json::parse(R"({"refreshed": []})"));
  EXPECT_TRUE(refreshed_.empty());
}

TEST_F(HandlerEdgeTest, GitLabTagPushRefreshesApplicationsOnTheTag) {
  applications_.push_back(Application("on-tag", "https://git.example.com/org/app", "v1.2.0"));
  PushFields fields = ExampleFields();
  fields.ref = "refs/tags/v1.2.0";
  std::string body = testing::WebhookPayload("gitlab-tag-push.json", fields);
  Response response = MakeHandler().Handle(
      MakeRequest(testing::SignedHeaders("gitlab", "tag_push", body, Secret("gitlab")), body));
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(refreshed_, std::vector<std::string>{"converge/on-tag"});
}

TEST_F(HandlerEdgeTest, OversizedBodyIs413) {
  std::string body = testing::WebhookPayload("github-push.json", ExampleFields());
  Response response =
      MakeHandler(body.size() - 1)
          .Handle(
              MakeRequest(testing::SignedHeaders("github", "push", body, Secret("github")), body));
  EXPECT_EQ(response.status, 413) << response.body;
  EXPECT_TRUE(refreshed_.empty());
}

TEST_F(HandlerEdgeTest, UnparsableSignedBodyIs400) {
  for (std::string body : {"{not json", "[1, 2]", R"({"ref": "refs/heads/main"})"}) {
    Response response = MakeHandler().Handle(
        MakeRequest(testing::SignedHeaders("generic", "push", body, Secret("generic")), body));
    EXPECT_EQ(response.status, 400) << body << ": " << response.body;
  }
  EXPECT_TRUE(refreshed_.empty());
}

TEST_F(HandlerEdgeTest, UnsignedRequestIsRefused) {
  std::string body = testing::WebhookPayload("generic-push.json", ExampleFields());
  Response response = MakeHandler().Handle(MakeRequest({}, body));
  EXPECT_EQ(response.status, 401);
  Handler without_secrets(
      {}, {.applications = [this] { return applications_; },
           .refresh = [this](const std::string&,
                             const std::string&) { refreshed_.push_back("called"); }});
  response = without_secrets.Handle(
      MakeRequest(testing::SignedHeaders("github", "push", body, Secret("github")), body));
  EXPECT_EQ(response.status, 401);
  EXPECT_TRUE(refreshed_.empty());
}

TEST_F(HandlerEdgeTest, RotatedSecretAppliesAtOnce) {
  Handler handler = MakeHandler();
  std::string body = testing::WebhookPayload("generic-push.json", ExampleFields());
  Headers old_headers = testing::SignedHeaders("generic", "push", body, Secret("generic"));
  EXPECT_EQ(handler.Handle(MakeRequest(old_headers, body)).status, 200);
  dir_.Write("secrets/generic", "rotated");
  EXPECT_EQ(handler.Handle(MakeRequest(old_headers, body)).status, 401);
  Headers new_headers = testing::SignedHeaders("generic", "push", body, "rotated");
  EXPECT_EQ(handler.Handle(MakeRequest(new_headers, body)).status, 200);
}

struct MatchCase {
  std::string repo_url;
  std::string revision;
  std::vector<std::string> refs;
  bool concerned;
};

TEST(ConcernsTest, RepositoryUrlsAndRevisions) {
  const std::vector<MatchCase> cases = {
      {"https://git.example.com/org/app", "HEAD", {"refs/heads/main"}, true},
      {"https://GIT.example.com/Org/App.git", "HEAD", {"refs/heads/main"}, true},
      {"http://git.example.com/org/app/", "", {"refs/heads/main"}, true},
      {"ssh://git@git.example.com:2222/org/app.git", "main", {"refs/heads/main"}, true},
      {"git@git.example.com:org/app.git", "refs/heads/main", {"refs/heads/main"}, true},
      {"git://git.example.com:9418/org/app.git", "HEAD", {"refs/heads/main"}, true},
      {"ssh://git@ssh.git.example.com:443/org/app.git", "HEAD", {"refs/heads/main"}, true},
      {"https://git.example.com/org/app2", "HEAD", {"refs/heads/main"}, false},
      {"https://git.example.com/org", "HEAD", {"refs/heads/main"}, false},
      {"https://git.example.com/other/org/app", "HEAD", {"refs/heads/main"}, false},
      {"https://other.example.com/org/app", "HEAD", {"refs/heads/main"}, false},
      {"https://git.example.com/org/app", "release", {"refs/heads/main"}, false},
      {"https://git.example.com/org/app", "refs/tags/main", {"refs/heads/main"}, false},
      {"https://git.example.com/org/app",
       "89abcdef0123456789abcdef0123456789abcdef",
       {"refs/heads/main"},
       false},
      {"https://git.example.com/org/app", "HEAD", {"refs/heads/feature/x"}, false},
      {"https://git.example.com/org/app", "feature/x", {"refs/heads/feature/x"}, true},
      {"https://git.example.com/org/app", "v1.2.0", {"refs/tags/v1.2.0"}, true},
      {"https://git.example.com/org/app", "refs/tags/v1.2.0", {"refs/tags/v1.2.0"}, true},
      {"https://git.example.com/org/app", "refs/heads/v1.2.0", {"refs/tags/v1.2.0"}, false},
      {"https://git.example.com/org/app", "HEAD", {"refs/tags/v1.2.0"}, false},
      {"https://git.example.com/org/app",
       "release",
       {"refs/heads/main", "refs/heads/release"},
       true},
  };
  for (const MatchCase& c : cases) {
    Push push{.repository_urls = {"https://git.example.com/org/app"},
              .refs = c.refs,
              .default_branch = "main"};
    EXPECT_EQ(Concerns(push, *Application("a", c.repo_url, c.revision)), c.concerned)
        << c.repo_url << " @ " << c.revision << " pushed " << c.refs.front();
  }
}

TEST(ConcernsTest, UnknownDefaultBranchCountsAsMoved) {
  Push push{.repository_urls = {"https://git.example.com/org/app"}, .refs = {"refs/heads/feature"}};
  EXPECT_TRUE(Concerns(push, *Application("a", "https://git.example.com/org/app", "HEAD")));
  EXPECT_FALSE(Concerns(push, *Application("a", "https://git.example.com/org/app", "main")));
}

struct PathCase {
  std::string path;
  std::string annotation;
  std::vector<std::string> changed;
  bool concerned;
};

TEST(ConcernsTest, ManifestGeneratePaths) {
  const std::vector<PathCase> cases = {
      {"deploy", "", {"docs/readme.md"}, true},
      {"deploy", ".", {"deploy/configmap.yaml"}, true},
      {"deploy", ".", {"docs/readme.md"}, false},
      {"deploy", ".", {"deployment/x.yaml"}, false},
      {"deploy", ".", {}, true},
      {"deploy", "/shared;.", {"shared/base.yaml"}, true},
      {"deploy", " /shared ; ", {"deploy/a.yaml"}, false},
      {"apps/web", "../common", {"apps/common/values.yaml"}, true},
      {"apps/web", "../common", {"apps/web/values.yaml"}, false},
      {"deploy", "*.yaml", {"deploy/a.yaml"}, true},
      {"deploy", "*.yaml", {"deploy/sub/a.yaml"}, false},
      {"deploy", "/", {"anything/at/all"}, true},
      {"", ".", {"x.yaml"}, true},
      {"deploy", ".", {"docs/readme.md", "deploy/service.yaml"}, true},
  };
  for (const PathCase& c : cases) {
    Push push{.repository_urls = {"https://git.example.com/org/app"},
              .refs = {"refs/heads/main"},
              .default_branch = "main",
              .changed_files = c.changed};
    for (const char* key :
         {"converge.dev/manifest-generate-paths", "argocd.argoproj.io/manifest-generate-paths"}) {
      std::map<std::string, std::string> annotations;
      if (!c.annotation.empty()) annotations[key] = c.annotation;
      EXPECT_EQ(Concerns(push, *Application("a", "https://git.example.com/org/app", "HEAD", c.path,
                                            annotations)),
                c.concerned)
          << key << "=" << c.annotation << " path " << c.path << " changed "
          << (c.changed.empty() ? "(none)" : c.changed.front());
    }
  }
}

TEST(ParsePushTest, GitLabListingOnlySomeCommitsCountsEveryPathAsChanged) {
  std::string body = testing::WebhookPayload("gitlab-push.json", ExampleFields());
  json parsed = json::parse(body);
  parsed["total_commits_count"] = 40;
  body = parsed.dump();
  Headers headers = {{"X-Gitlab-Event", "Push Hook"}};
  Result<std::optional<Push>> push = ParsePush(Provider::kGitLab, MakeRequest(headers, body));
  ASSERT_TRUE(push.ok()) << push.status().message();
  ASSERT_TRUE(push->has_value());
  EXPECT_TRUE((*push)->changed_files.empty());
  EXPECT_EQ((*push)->default_branch.value_or(""), "main");
}

}  // namespace
}  // namespace converge::webhook
