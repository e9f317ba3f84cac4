// Kubeconfig loading against the real kubectl 1.35: `kubectl config view --merge --flatten
// --minify` over the same KUBECONFIG list is what our merge must resolve to (first definition of
// a name wins, first current-context wins, file references relative to their kubeconfig).

#include "kube/client/config.h"

#include <cstdlib>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "tests/support/support.h"

namespace converge::kube {
namespace {

using nlohmann::json;

// kubectl's view of the resolved context: {cluster, user, namespace, context}.
json KubectlView(const std::string& kubeconfig_env, const std::string& context) {
  std::vector<std::string> argv = {"/usr/bin/env",
                                   "KUBECONFIG=" + kubeconfig_env,
                                   (testing::OracleDir() / "kubectl").string(),
                                   "config",
                                   "view",
                                   "--merge",
                                   "--flatten",
                                   "--minify",
                                   "-o",
                                   "json"};
  if (!context.empty()) argv.push_back("--context=" + context);
  testing::ProcessResult run = testing::Run(argv);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  json view = json::parse(run.out);
  return {{"cluster", view["clusters"][0]["cluster"]},
          {"user", view["users"].empty() ? json::object() : view["users"][0]["user"]},
          {"context", view["contexts"][0]["context"]},
          {"name", view["current-context"]}};
}

std::string Decoded(const json& value) {
  return value.is_string() ? *Base64Decode(value.get<std::string>()) : "";
}

class KubeconfigTest : public ::testing::Test {
 protected:
  KubeconfigTest() {
    dir_.Write("a/ca.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    dir_.Write("a/config", R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster: {server: "https://127.0.0.1:6443", certificate-authority: ca.crt, tls-server-name: api.dev}
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
users:
- name: dev-user
  user: {token: first-token}
)");
    dir_.Write("b/config", R"(apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: dev-cluster
  cluster: {server: "https://ignored:1"}
- name: prod-cluster
  cluster: {server: "https://10.0.0.1:443", insecure-skip-tls-verify: true}
contexts:
- name: prod
  context: {cluster: prod-cluster, user: prod-user}
users:
- name: dev-user
  user: {token: shadowed}
- name: prod-user
  user:
    client-certificate-data: )" +
                               Base64Encode("CERT") + R"(
    client-key-data: )" + Base64Encode("KEY") +
                               R"(
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: gke-gcloud-auth-plugin
      args: [--flag]
      env: [{name: A, value: b}]
)");
    env_ = (dir_.path() / "a/config").string() + ":" + (dir_.path() / "missing").string() + ":" +
           (dir_.path() / "b/config").string();
    files_ = {dir_.path() / "a/config", dir_.path() / "missing", dir_.path() / "b/config"};
  }

  testing::TempDir dir_;
  std::string env_;
  std::vector<std::filesystem::path> files_;
};

TEST_F(KubeconfigTest, TheFirstFileWinsAsInKubectl) {
  json view = KubectlView(env_, "");
  Result<ClientConfig> config = LoadKubeconfig(files_);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->context, view["name"]);
  EXPECT_EQ(config->server, view["cluster"]["server"]);
  EXPECT_EQ(config->tls_server_name, view["cluster"]["tls-server-name"]);
  EXPECT_EQ(config->ca_pem, Decoded(view["cluster"]["certificate-authority-data"]));
  EXPECT_EQ(config->token, view["user"]["token"]);
  EXPECT_EQ(config->ns, view["context"]["namespace"]);
  EXPECT_FALSE(config->ca_pem.empty());
}

TEST_F(KubeconfigTest, ANamedContextBringsItsClusterAndUser) {
  json view = KubectlView(env_, "prod");
  Result<ClientConfig> config = LoadKubeconfig(files_, "prod");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->server, view["cluster"]["server"]);
  EXPECT_EQ(config->insecure_skip_tls_verify,
            view["cluster"].value("insecure-skip-tls-verify", false));
  EXPECT_EQ(config->client_certificate_pem, Decoded(view["user"]["client-certificate-data"]));
  EXPECT_EQ(config->client_key_pem, Decoded(view["user"]["client-key-data"]));
  ASSERT_TRUE(config->exec.has_value());
  EXPECT_EQ(config->exec->command, view["user"]["exec"]["command"]);
  EXPECT_EQ(config->exec->args, std::vector<std::string>{"--flag"});
  EXPECT_EQ(config->exec->env, (std::vector<std::pair<std::string, std::string>>{{"A", "b"}}));
  EXPECT_EQ(config->ns, "default");
}

TEST_F(KubeconfigTest, MistakesAreNamedWithoutCredentials) {
  Result<ClientConfig> unknown = LoadKubeconfig(files_, "staging");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("context \"staging\" not found"), std::string::npos);
  dir_.Write("c/config", R"(current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://h:1", certificate-authority: nope.crt}}]
users: [{name: u, user: {token: secret-value}}]
)");
  Result<ClientConfig> broken = LoadKubeconfig({dir_.path() / "c/config"});
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("nope.crt"), std::string::npos)
      << broken.status().message();
  EXPECT_EQ(broken.status().message().find("secret-value"), std::string::npos);
  EXPECT_EQ(LoadKubeconfig({dir_.path() / "none"}).status().code(), StatusCode::kNotFound);
}

TEST(InClusterConfigTest, ReadsTheServiceAccountMount) {
  testing::TempDir dir;
  dir.Write("token", "abc\n");
  dir.Write("ca.crt", "CA");
  dir.Write("namespace", "flux-system");
  ::setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  Result<ClientConfig> config = InClusterConfig(dir.path());
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ::unsetenv("KUBERNETES_SERVICE_PORT");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->server, "https://[fd00::1]:443");
  EXPECT_EQ(config->token, "abc");
  EXPECT_EQ(config->token_file, (dir.path() / "token").string());
  EXPECT_EQ(config->ca_pem, "CA");
  EXPECT_EQ(config->ns, "flux-system");
  EXPECT_EQ(InClusterConfig(dir.path()).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace converge::kube
