// RBAC and ServiceAccount tokens, driven by the real kubectl 1.35: `kubectl create token`,
// `kubectl --token ... auth can-i` against the calls themselves, and the denial messages of
// k8s.io/apiserver's responsewriters (forbiddenMessage) wrapped by apimachinery's NewForbidden.

#include <gtest/gtest.h>

#include "base/strings.h"
#include "kube/kube.h"
#include "tests/support/support.h"

namespace converge {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::ProcessResult;

constexpr const char* kRobot = "system:serviceaccount:default:robot";

void MustRun(const ApiServer& server, std::vector<std::string> args) {
  ProcessResult run = server.Kubectl(std::move(args));
  ASSERT_EQ(run.exit_code, 0) << run.err;
}

std::string TokenFor(const ApiServer& server, const std::string& account) {
  ProcessResult run = server.Kubectl({"create", "token", account});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return TrimRight(run.out);
}

// kubectl --token TOKEN ARGS: the kubeconfig's server and CA, the account's identity.
ProcessResult As(const ApiServer& server, const std::string& token, std::vector<std::string> args) {
  args.insert(args.begin(), {"--token", token});
  return server.Kubectl(std::move(args));
}

const char* kRole = R"(apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: default}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [secrets]
  resourceNames: [shared]
  verbs: [get]
- apiGroups: [apps]
  resources: [deployments/status]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: ServiceAccount, name: robot, namespace: default}
)";

class RbacTest : public ::testing::Test {
 protected:
  RbacTest() : server_({"--authorization", "RBAC"}) {}

  void SetUp() override {
    MustRun(server_, {"create", "serviceaccount", "robot"});
    MustRun(server_, {"apply", "-f", server_.File("role.yaml", kRole).string()});
    MustRun(server_, {"create", "configmap", "settings", "--from-literal=a=b"});
    MustRun(server_, {"create", "secret", "generic", "shared", "--from-literal=k=v"});
    MustRun(server_, {"create", "secret", "generic", "private", "--from-literal=k=v"});
    token_ = TokenFor(server_, "robot");
    ASSERT_FALSE(token_.empty());
  }

  ApiServer server_;
  std::string token_;
};

struct Check {
  std::vector<std::string> can_i;  // kubectl auth can-i ARGS
  std::vector<std::string> call;   // the same request made for real
  bool allowed;
  std::string denial;  // the error kubectl prints when it is refused
};

TEST_F(RbacTest, AServiceAccountCanDoExactlyWhatItsRoleAllows) {
  std::string user = std::string("User \"") + kRobot + "\"";
  std::vector<Check> checks = {
      {{"list", "configmaps"}, {"get", "configmaps"}, true, ""},
      {{"get", "configmaps/settings"}, {"get", "configmap", "settings"}, true, ""},
      {{"get", "secrets/shared"}, {"get", "secret", "shared"}, true, ""},
      {{"get", "secrets/private"},
       {"get", "secret", "private"},
       false,
       "secrets \"private\" is forbidden: " + user +
           " cannot get resource \"secrets\" in API group \"\" in the namespace \"default\""},
      {{"list", "secrets"},
       {"get", "secrets"},
       false,
       "secrets is forbidden: " + user +
           " cannot list resource \"secrets\" in API group \"\" in the namespace \"default\""},
      {{"create", "configmaps"},
       {"create", "configmap", "other", "--from-literal=x=y"},
       false,
       "configmaps is forbidden: " + user +
           " cannot create resource \"configmaps\" in API group \"\" in the namespace \"default\""},
      {{"list", "configmaps", "-n", "kube-system"},
       {"get", "configmaps", "-n", "kube-system"},
       false,
       "configmaps is forbidden: " + user +
           " cannot list resource \"configmaps\" in API group \"\" in the namespace "
           "\"kube-system\""},
      {{"list", "namespaces"},
       {"get", "namespaces"},
       false,
       "namespaces is forbidden: " + user +
           " cannot list resource \"namespaces\" in API group \"\" at the cluster scope"},
      {{"list", "deployments.apps"},
       {"get", "deployments.apps"},
       false,
       "deployments.apps is forbidden: " + user +
           " cannot list resource \"deployments\" in API group \"apps\" in the namespace "
           "\"default\""},
  };
  for (const Check& check : checks) {
    std::vector<std::string> can_i = {"auth", "can-i"};
    can_i.insert(can_i.end(), check.can_i.begin(), check.can_i.end());
    ProcessResult answer = As(server_, token_, can_i);
    EXPECT_EQ(TrimRight(answer.out), check.allowed ? "yes" : "no") << answer.err;
    EXPECT_EQ(answer.exit_code, check.allowed ? 0 : 1);
    ProcessResult call = As(server_, token_, check.call);
    EXPECT_EQ(call.exit_code == 0, check.allowed) << call.out << call.err;
    if (!check.allowed) {
      // kubectl names the reason for reads; create prints "failed to create ...: <message>".
      if (check.call[0] == "get") {
        EXPECT_NE(call.err.find("Error from server (Forbidden)"), std::string::npos) << call.err;
      }
      EXPECT_NE(call.err.find(check.denial), std::string::npos) << call.err;
    }
  }
  // Subresource rules: deployments/status is granted, deployments is not.
  ProcessResult status =
      As(server_, token_, {"auth", "can-i", "get", "deployments", "--subresource=status"});
  EXPECT_EQ(TrimRight(status.out), "yes") << status.err;
  ProcessResult whole = As(server_, token_, {"auth", "can-i", "get", "deployments"});
  EXPECT_EQ(TrimRight(whole.out), "no") << whole.err;
}

TEST_F(RbacTest, ClusterRolesGrantEverywhereOrInOneNamespace) {
  MustRun(server_,
          {"create", "clusterrole", "ns-reader", "--verb=get,list", "--resource=namespaces"});
  MustRun(server_, {"create", "clusterrolebinding", "robot-ns", "--clusterrole=ns-reader",
                    "--serviceaccount=default:robot"});
  MustRun(server_, {"create", "clusterrole", "pod-reader", "--verb=list", "--resource=pods"});
  MustRun(server_, {"create", "rolebinding", "robot-pods", "-n", "kube-system",
                    "--clusterrole=pod-reader", "--serviceaccount=default:robot"});
  EXPECT_EQ(As(server_, token_, {"get", "namespaces"}).exit_code, 0);
  EXPECT_EQ(As(server_, token_, {"get", "pods", "-n", "kube-system"}).exit_code, 0);
  ProcessResult elsewhere = As(server_, token_, {"get", "pods", "-n", "default"});
  EXPECT_NE(elsewhere.exit_code, 0);
  EXPECT_NE(elsewhere.err.find("in the namespace \"default\""), std::string::npos) << elsewhere.err;
  // can-i --list shows the namespaced grant in kube-system only.
  ProcessResult listed = As(server_, token_, {"auth", "can-i", "--list", "-n", "kube-system"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("pods"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("namespaces"), std::string::npos) << listed.out;
  ProcessResult default_list = As(server_, token_, {"auth", "can-i", "--list"});
  EXPECT_EQ(default_list.out.find("pods"), std::string::npos) << default_list.out;
  EXPECT_NE(default_list.out.find("configmaps"), std::string::npos) << default_list.out;
}

// Every cluster has cluster-admin, held by system:masters; installers bind controllers to it.
TEST_F(RbacTest, ClusterAdminExistsAndGrantsEverything) {
  ProcessResult role =
      server_.Kubectl({"get", "clusterrolebinding", "cluster-admin", "-o", "json"});
  ASSERT_EQ(role.exit_code, 0) << role.err;
  EXPECT_EQ(json::parse(role.out)["subjects"][0]["name"], "system:masters");
  EXPECT_EQ(TrimRight(As(server_, token_, {"auth", "can-i", "delete", "nodes"}).out), "no");
  MustRun(server_, {"create", "clusterrolebinding", "robot-admin", "--clusterrole=cluster-admin",
                    "--serviceaccount=default:robot"});
  EXPECT_EQ(TrimRight(As(server_, token_, {"auth", "can-i", "delete", "nodes"}).out), "yes");
  EXPECT_EQ(TrimRight(As(server_, token_, {"auth", "can-i", "get", "/metrics"}).out), "yes");
  EXPECT_EQ(As(server_, token_, {"create", "namespace", "robot-made"}).exit_code, 0);
}

TEST_F(RbacTest, TokensNameTheirAccountAndDieWithIt) {
  ProcessResult whoami = As(server_, token_, {"auth", "whoami", "-o", "json"});
  ASSERT_EQ(whoami.exit_code, 0) << whoami.err;
  json review = json::parse(whoami.out);
  EXPECT_EQ(review["status"]["userInfo"]["username"], kRobot);
  EXPECT_EQ(
      review["status"]["userInfo"]["groups"],
      json({"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"}));

  ProcessResult forged = As(server_, token_ + "x", {"get", "configmaps"});
  EXPECT_NE(forged.exit_code, 0);
  EXPECT_NE(forged.err.find("Unauthorized"), std::string::npos) << forged.err;

  // A recreated account has a new uid; the old token does not carry over.
  MustRun(server_, {"delete", "serviceaccount", "robot"});
  MustRun(server_, {"create", "serviceaccount", "robot"});
  ProcessResult stale = As(server_, token_, {"get", "configmaps"});
  EXPECT_NE(stale.exit_code, 0);
  EXPECT_NE(stale.err.find("Unauthorized"), std::string::npos) << stale.err;
  EXPECT_EQ(As(server_, TokenFor(server_, "robot"), {"get", "configmaps"}).exit_code, 0);

  ProcessResult missing = server_.Kubectl({"create", "token", "nobody"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("serviceaccounts \"nobody\" not found"), std::string::npos)
      << missing.err;
  ProcessResult short_lived = server_.Kubectl({"create", "token", "robot", "--duration=5m"});
  EXPECT_NE(short_lived.exit_code, 0);
  EXPECT_NE(short_lived.err.find("may not specify a duration less than 10 minutes"),
            std::string::npos)
      << short_lived.err;
}

TEST(ApiServerAuthTest, WithoutRbacEveryAccountMayDoEverything) {
  ApiServer server;
  MustRun(server, {"create", "serviceaccount", "robot"});
  std::string token = TokenFor(server, "robot");
  ProcessResult answer = As(server, token, {"auth", "can-i", "create", "deployments.apps"});
  EXPECT_EQ(TrimRight(answer.out), "yes") << answer.err;
  EXPECT_EQ(As(server, token, {"create", "configmap", "made-by-robot"}).exit_code, 0);
  ProcessResult listed = As(server, token, {"auth", "can-i", "--list"});
  EXPECT_NE(listed.out.find("*.*"), std::string::npos) << listed.out;
}

TEST(ApiServerAuthTest, EveryNamespaceGetsADefaultServiceAccount) {
  ApiServer server;
  MustRun(server, {"create", "namespace", "team-a"});
  ProcessResult wait = server.Kubectl(
      {"wait", "--for=create", "serviceaccount/default", "-n", "team-a", "--timeout=20s"});
  EXPECT_EQ(wait.exit_code, 0) << wait.err;
  MustRun(server, {"delete", "serviceaccount", "default", "-n", "team-a"});
  wait = server.Kubectl(
      {"wait", "--for=create", "serviceaccount/default", "-n", "team-a", "--timeout=20s"});
  EXPECT_EQ(wait.exit_code, 0) << wait.err;
}

// kubectl's typed create commands send protobuf; what the server stores must equal what the
// same command renders client-side (--dry-run=client), field for field.
TEST(ApiServerAuthTest, ProtobufBodiesDecodeToWhatKubectlMeant) {
  ApiServer server;
  std::vector<std::vector<std::string>> commands = {
      {"create", "configmap", "c1", "--from-literal=a=1", "--from-literal=b=two words",
       "--save-config"},
      {"create", "secret", "generic", "s1", "--from-literal=k=v", "--type=example.com/kind"},
      {"create", "namespace", "n1"},
      {"create", "serviceaccount", "sa1"},
      {"create", "role", "r1", "--verb=get,list", "--resource=pods,deployments.apps",
       "--resource-name=x"},
      {"create", "clusterrole", "cr1", "--verb=get", "--non-resource-url=/logs/*"},
      {"create", "rolebinding", "rb1", "--role=r1", "--user=alice", "--group=devs",
       "--serviceaccount=default:sa1"},
      {"create", "clusterrolebinding", "crb1", "--clusterrole=cr1", "--user=bob"},
  };
  for (std::vector<std::string> command : commands) {
    std::vector<std::string> dry = command;
    dry.insert(dry.end(), {"--dry-run=client", "-o", "json"});
    ProcessResult expected_run = server.Kubectl(dry);
    ASSERT_EQ(expected_run.exit_code, 0) << expected_run.err;
    command.insert(command.end(), {"-o", "json"});
    ProcessResult created = server.Kubectl(command);
    ASSERT_EQ(created.exit_code, 0) << created.err;
    json expected = json::parse(expected_run.out);
    json actual = json::parse(created.out);
    for (const char* field : {"data", "rules", "subjects", "roleRef"}) {
      EXPECT_EQ(actual.value(field, json()), expected.value(field, json()))
          << field << " of " << command[1];
    }
    EXPECT_EQ(actual["metadata"]["name"], expected["metadata"]["name"]);
    EXPECT_EQ(actual["metadata"].value("annotations", json()),
              expected["metadata"].value("annotations", json()));
    EXPECT_EQ(actual.value("type", json()), expected.value("type", json()));
  }
}

}  // namespace
}  // namespace converge
