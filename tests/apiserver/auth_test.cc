// RBAC rule matching and ServiceAccount tokens, one class at a time. The expected decisions
// follow k8s.io/kubernetes pkg/apis/rbac/v1 evaluation helpers (VerbMatches, APIGroupMatches,
// ResourceMatches with "*/subresource", exact resourceNames, nonResourceURLs with a trailing "*").

#include "apiserver/auth.h"

#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

class AuthorizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Store>> store = Store::Open(dir_.path() / "state.db", {}, nullptr);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
  }

  void Put(const std::string& key, json object) {
    ASSERT_TRUE(store_->Create(key, std::move(object)).ok()) << key;
  }

  // A ClusterRole with `rules`, bound to user "u" cluster-wide or in `ns` by a RoleBinding.
  void Grant(const json& rules, const std::string& ns = "") {
    Put("/registry/rbac.authorization.k8s.io/clusterroles/r",
        {{"metadata", {{"name", "r"}}}, {"rules", rules}});
    json binding = {{"metadata", {{"name", "b"}}},
                    {"roleRef", {{"kind", "ClusterRole"}, {"name", "r"}}},
                    {"subjects", {{{"kind", "User"}, {"name", "u"}}}}};
    if (ns.empty()) {
      Put("/registry/rbac.authorization.k8s.io/clusterrolebindings/b", binding);
    } else {
      binding["metadata"]["namespace"] = ns;
      Put("/registry/rbac.authorization.k8s.io/rolebindings/" + ns + "/b", binding);
    }
  }

  bool Can(Attributes attributes) const { return Authorize(*store_, user_, attributes); }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  UserInfo user_{.name = "u", .uid = "", .groups = {"system:authenticated"}};
};

Attributes Resource(std::string verb, std::string group, std::string resource,
                    std::string ns = "default", std::string name = "",
                    std::string subresource = "") {
  return {.verb = std::move(verb),
          .resource_request = true,
          .group = std::move(group),
          .resource = std::move(resource),
          .subresource = std::move(subresource),
          .ns = std::move(ns),
          .name = std::move(name),
          .path = ""};
}

Attributes Path(std::string verb, std::string path) {
  return {.verb = std::move(verb), .resource_request = false, .path = std::move(path)};
}

TEST_F(AuthorizeTest, NothingIsAllowedWithoutABindingButSelfReviewsAndDiscovery) {
  EXPECT_FALSE(Can(Resource("get", "", "pods")));
  EXPECT_TRUE(Can(Resource("create", "authorization.k8s.io", "selfsubjectaccessreviews", "")));
  EXPECT_TRUE(Can(Path("get", "/apis/apps/v1")));
  EXPECT_FALSE(Can(Path("get", "/metrics")));
}

TEST_F(AuthorizeTest, WildcardsCoverVerbsGroupsAndResources) {
  Grant({{{"verbs", {"*"}}, {"apiGroups", {"*"}}, {"resources", {"*"}}}});
  EXPECT_TRUE(Can(Resource("delete", "apps", "deployments")));
  EXPECT_TRUE(Can(Resource("get", "apps", "deployments", "default", "d", "status")));
  EXPECT_FALSE(Can(Path("get", "/metrics")));
}

TEST_F(AuthorizeTest, SubresourcesNeedTheirOwnRule) {
  Grant({{{"verbs", {"get", "update"}}, {"apiGroups", {"apps"}}, {"resources", {"deployments"}}},
         {{"verbs", {"patch"}}, {"apiGroups", {"apps"}}, {"resources", {"*/scale"}}}});
  EXPECT_TRUE(Can(Resource("get", "apps", "deployments", "default", "d")));
  EXPECT_FALSE(Can(Resource("update", "apps", "deployments", "default", "d", "status")));
  EXPECT_TRUE(Can(Resource("patch", "apps", "statefulsets", "default", "s", "scale")));
  EXPECT_FALSE(Can(Resource("patch", "apps", "statefulsets", "default", "s")));
  EXPECT_FALSE(Can(Resource("get", "", "deployments", "default", "d")));  // wrong group
}

TEST_F(AuthorizeTest, ResourceNamesMatchExactlyAndNeverCoverLists) {
  Grant({{{"verbs", {"get", "list"}},
          {"apiGroups", {""}},
          {"resources", {"secrets"}},
          {"resourceNames", {"a", "*"}}}});
  EXPECT_TRUE(Can(Resource("get", "", "secrets", "default", "a")));
  EXPECT_FALSE(Can(Resource("get", "", "secrets", "default", "b")));
  EXPECT_FALSE(Can(Resource("list", "", "secrets")));
}

TEST_F(AuthorizeTest, NonResourceUrlsMatchExactlyOrByTrailingStar) {
  Grant({{{"verbs", {"get"}}, {"nonResourceURLs", {"/metrics", "/logs/*"}}}});
  EXPECT_TRUE(Can(Path("get", "/metrics")));
  EXPECT_FALSE(Can(Path("get", "/metrics/x")));
  EXPECT_TRUE(Can(Path("get", "/logs/kubelet.log")));
  EXPECT_FALSE(Can(Path("post", "/metrics")));
  EXPECT_FALSE(Can(Resource("get", "", "metrics")));
}

TEST_F(AuthorizeTest, ARoleBindingLimitsAClusterRoleToItsNamespace) {
  Grant({{{"verbs", {"list"}}, {"apiGroups", {""}}, {"resources", {"pods"}}}}, "team");
  EXPECT_TRUE(Can(Resource("list", "", "pods", "team")));
  EXPECT_FALSE(Can(Resource("list", "", "pods", "default")));
  EXPECT_FALSE(Can(Resource("list", "", "pods", "")));
}

TEST_F(AuthorizeTest, GroupsAndServiceAccountsAreSubjects) {
  Put("/registry/rbac.authorization.k8s.io/roles/team/r",
      {{"metadata", {{"name", "r"}, {"namespace", "team"}}},
       {"rules", {{{"verbs", {"get"}}, {"apiGroups", {""}}, {"resources", {"configmaps"}}}}}});
  json subjects = json::array({{{"kind", "Group"}, {"name", "system:serviceaccounts:ci"}},
                               {{"kind", "ServiceAccount"}, {"name", "bot"}}});
  Put("/registry/rbac.authorization.k8s.io/rolebindings/team/b",
      {{"metadata", {{"name", "b"}, {"namespace", "team"}}},
       {"roleRef", {{"kind", "Role"}, {"name", "r"}}},
       {"subjects", subjects}});
  UserInfo ci_account =
      ServiceAccountUser({.ns = "ci", .name = "x", .uid = "1", .expires = 0, .audiences = {}});
  UserInfo team_bot =
      ServiceAccountUser({.ns = "team", .name = "bot", .uid = "2", .expires = 0, .audiences = {}});
  UserInfo other_bot =
      ServiceAccountUser({.ns = "other", .name = "bot", .uid = "3", .expires = 0, .audiences = {}});
  Attributes read = Resource("get", "", "configmaps", "team", "c");
  EXPECT_TRUE(Authorize(*store_, ci_account, read));
  EXPECT_TRUE(Authorize(*store_, team_bot,
                        read));  // the subject's namespace defaults to the binding's
  EXPECT_FALSE(Authorize(*store_, other_bot, read));
  EXPECT_TRUE(Authorize(*store_, AdminUser(), Resource("delete", "", "nodes", "")));
}

TEST_F(AuthorizeTest, DenialsReadAsKubernetesWritesThem) {
  EXPECT_EQ(DenialReason(user_, Resource("get", "apps", "deployments", "default", "d", "scale")),
            "User \"u\" cannot get resource \"deployments/scale\" in API group \"apps\" in the "
            "namespace \"default\"");
  EXPECT_EQ(DenialReason(user_, Resource("list", "", "nodes", "")),
            "User \"u\" cannot list resource \"nodes\" in API group \"\" at the cluster scope");
  EXPECT_EQ(DenialReason(user_, Path("get", "/metrics")),
            "User \"u\" cannot get path \"/metrics\"");
}

TEST(TokenTest, ATokenVerifiesOnlyWithItsKeyUntilItExpires) {
  TokenClaims claims{
      .ns = "ci", .name = "bot", .uid = "u-1", .expires = 2000, .audiences = {"api"}};
  std::string token = IssueToken("key", claims);
  std::optional<TokenClaims> read = VerifyToken("key", token, 1999);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->ns, "ci");
  EXPECT_EQ(read->name, "bot");
  EXPECT_EQ(read->uid, "u-1");
  EXPECT_EQ(read->audiences, std::vector<std::string>{"api"});
  EXPECT_FALSE(VerifyToken("key", token, 2000).has_value());
  EXPECT_FALSE(VerifyToken("other", token, 1999).has_value());
  std::string tampered = token;
  tampered[tampered.find('.') + 3] ^= 1;
  EXPECT_FALSE(VerifyToken("key", tampered, 1999).has_value());
  EXPECT_FALSE(VerifyToken("key", "not-a-token", 1999).has_value());
}

}  // namespace
}  // namespace converge::apiserver
