// Webhooks end to end: `converge operator` against the embedded API server, an Application
// whose source `git daemon` serves, a poll interval of 10 minutes so only a webhook can bring
// a new commit in time, and each provider's signed push POSTed to /api/webhook. /metrics is
// read through the test's own Prometheus text reader while the test drives the syncs.
#include <chrono>
#include <functional>
#include <iostream>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "tests/operator/metrics/prometheus_text.h"
#include "tests/operator/webhook/payloads.h"
#include "tests/sources/git/servers.h"
#include "tests/support/support.h"

namespace converge::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kDeployment[] = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
)";

std::string ConfigMap(const std::string& greeting) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  greeting: " +
         greeting + "\n";
}

const std::vector<std::string> kProviders = {"github", "gitlab",           "gitea",
                                             "gogs",   "bitbucket-server", "generic"};

std::string PayloadFile(const std::string& provider) {
  return provider == "bitbucket-server" ? "bitbucket-server-refs-changed.json"
                                        : provider + "-push.json";
}

bool Eventually(const std::function<bool()>& condition) {
  return testing::Eventually(condition, std::chrono::milliseconds(5));
}

class WebhookEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ApiServer>();
    fs::create_directories(dir_.path() / "repos");
    upstream_ = std::make_unique<Upstream>(dir_.path() / "repos", "app");
    head_ = upstream_->Commit(
        {{"deploy/configmap.yaml", ConfigMap("hello")}, {"deploy/deployment.yaml", kDeployment}},
        "first");
    daemon_ = std::make_unique<GitDaemon>(dir_.path() / "repos");
    for (const std::string& provider : kProviders) {
      dir_.Write("webhook-secrets/" + provider, Secret(provider) + "\n");
    }
    Check(server_->Kubectl(
        {"apply", "--server-side", "-f", (SourceDir() / "manifests/crds").string()}));
    Check(server_->Kubectl(
        {"wait", "--for=condition=Established", "--timeout=60s", "crd/applications.converge.dev"}));
    Check(server_->Kubectl({"create", "namespace", "converge"}));
    operator_ = Process::Start(
        {ConvergeBinary().string(), "operator", "--kubeconfig", server_->kubeconfig().string(),
         "--poll-interval", "10m", "--poll-jitter", "0s", "--cache-dir",
         (dir_.path() / "cache").string(), "--credentials-namespace", "converge", "--listen",
         "127.0.0.1:0", "--webhook-secrets-dir", (dir_.path() / "webhook-secrets").string()},
        dir_.path() / "operator.log");
    kube_ = std::make_unique<httplib::Client>(server_->url());
    kube_->set_ca_cert_path((server_->data_dir() / "pki/ca.crt").c_str());
    kube_->set_bearer_token_auth(server_->token().c_str());
  }

  void TearDown() override {
    if (HasFailure()) std::cerr << "operator log:\n" << ReadFile(dir_.path() / "operator.log");
  }

  static std::string Secret(const std::string& provider) { return "secret-of-" + provider; }

  static void Check(const ProcessResult& result) {
    ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  }

  // The operator's port, from its log line.
  int OperatorPort() {
    std::string log;
    EXPECT_TRUE(Eventually([&] {
      log = ReadFile(dir_.path() / "operator.log");
      return log.find("/metrics port=") != std::string::npos;
    })) << log;
    return std::atoi(log.c_str() + log.find("/metrics port=") + 14);
  }

  std::string Greeting() {
    httplib::Result result = kube_->Get("/api/v1/namespaces/demo/configmaps/settings");
    if (!result || result->status != 200) return "";
    return json::parse(result->body)["data"].value("greeting", "");
  }

  PromFamilies Metrics() {
    httplib::Result result = operator_http_->Get("/metrics");
    EXPECT_TRUE(result && result->status == 200);
    Result<PromFamilies> parsed = ParsePrometheusText(result ? result->body : "");
    EXPECT_TRUE(parsed.ok()) << parsed.status().message() << "\n" << (result ? result->body : "");
    return parsed.ok() ? *parsed : PromFamilies{};
  }

  // The provider's push of `ref` with the repository spelled `repo` ("app" or another name),
  // the URLs written the ways providers write them (scheme, port, ".git" and scp-like SSH all
  // differ from the Application's git:// URL).
  httplib::Result Post(const std::string& provider, const std::string& repo, const std::string& ref,
                       const std::string& after, const std::string& secret) {
    PushFields fields{.web_url = "http://127.0.0.1:3000/" + repo,
                      .clone_url = "http://127.0.0.1:3000/" + repo + ".git",
                      .ssh_url = "git@127.0.0.1:" + repo + ".git",
                      .git_url = "git://127.0.0.1/" + repo + ".git",
                      .ref = ref,
                      .before = head_,
                      .after = after};
    std::string body = WebhookPayload(PayloadFile(provider), fields);
    httplib::Headers headers;
    for (const auto& [name, value] : SignedHeaders(provider, "push", body, secret)) {
      headers.emplace(name, value);
    }
    return operator_http_->Post("/api/webhook", headers, body, "application/json");
  }

  TempDir dir_;
  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<Upstream> upstream_;
  std::unique_ptr<GitDaemon> daemon_;
  std::unique_ptr<Process> operator_;
  std::unique_ptr<httplib::Client> kube_;
  std::unique_ptr<httplib::Client> operator_http_;
  std::string head_;
};

TEST_F(WebhookEndToEndTest, EachProviderPushIsAppliedAndOthersRefreshNothing) {
  Check(server_->Kubectl(
      {"apply", "-f",
       server_
           ->File("app.yaml",
                  "apiVersion: converge.dev/v1alpha1\nkind: Application\nmetadata:\n"
                  "  name: demo\n  namespace: converge\nspec:\n  source:\n    repoURL: " +
                      daemon_->Url("app") +
                      "\n    path: deploy\n  destination:\n"
                      "    server: https://kubernetes.default.svc\n    namespace: demo\n"
                      "  syncPolicy:\n    automated: {prune: true}\n"
                      "    syncOptions: [CreateNamespace=true]\n")
           .string()}));
  ASSERT_TRUE(Eventually([&] { return Greeting() == "hello"; }));
  operator_http_ = std::make_unique<httplib::Client>("127.0.0.1", OperatorPort());
  PromFamilies before = Metrics();
  ASSERT_FALSE(before.empty());

  // A bad signature: 401, nothing refreshed, the new commit stays unapplied.
  std::string pending = upstream_->Commit({{"deploy/configmap.yaml", ConfigMap("unsigned")}},
                                          "not announced properly");
  httplib::Result refused = Post("github", "app", "refs/heads/main", pending, "wrong secret");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401) << refused->body;
  EXPECT_EQ(json::parse(refused->body)["code"], 401);
  PromFamilies after_refusal = Metrics();
  EXPECT_EQ(SumOf(after_refusal, "converge_webhook_refreshes_total"), 0);
  EXPECT_EQ(SumOf(after_refusal, "converge_webhook_requests_total",
                  {{"provider", "github"}, {"result", "unauthorized"}}),
            1);
  EXPECT_EQ(Greeting(), "hello");

  // Pushes to another branch and another repository: 200, nothing refreshed.
  httplib::Result other_branch =
      Post("github", "app", "refs/heads/feature", pending, Secret("github"));
  ASSERT_TRUE(other_branch);
  EXPECT_EQ(other_branch->status, 200);
  EXPECT_EQ(json::parse(other_branch->body), json::parse(R"({"refreshed": []})"));
  httplib::Result other_repo =
      Post("gitlab", "other", "refs/heads/main", pending, Secret("gitlab"));
  ASSERT_TRUE(other_repo);
  EXPECT_EQ(other_repo->status, 200);
  EXPECT_EQ(json::parse(other_repo->body), json::parse(R"({"refreshed": []})"));
  EXPECT_EQ(SumOf(Metrics(), "converge_webhook_refreshes_total"), 0);
  EXPECT_EQ(Greeting(), "hello");

  for (const std::string& provider : kProviders) {
    SCOPED_TRACE(provider);
    std::string greeting = "hello-" + provider;
    std::erase(greeting, '-');
    std::string commit = upstream_->Commit({{"deploy/configmap.yaml", ConfigMap(greeting)}},
                                           "greet from " + provider);
    auto posted = std::chrono::steady_clock::now();
    httplib::Result response = Post(provider, "app", "refs/heads/main", commit, Secret(provider));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200) << response->body;
    EXPECT_EQ(json::parse(response->body), json::parse(R"({"refreshed": ["converge/demo"]})"));
    ASSERT_TRUE(Eventually([&] { return Greeting() == greeting; })) << Greeting();
    auto applied = std::chrono::steady_clock::now();
    std::cout << "webhook to applied, " << provider << ": "
              << std::chrono::duration_cast<std::chrono::milliseconds>(applied - posted).count()
              << " ms\n";
    head_ = commit;
  }

  // The comparison after the last sync marks the Application Synced again, and the last sync
  // is counted once it has finished: the live object can change before either shows.
  PromFamilies after;
  EXPECT_TRUE(Eventually([&] {
    after = Metrics();
    std::map<std::string, std::string> succeeded = {{"phase", "Succeeded"}};
    return SumOf(after, "converge_app_info",
                 {{"name", "demo"}, {"sync_status", "Synced"}, {"health_status", "Healthy"}}) ==
               1 &&
           SumOf(after, "converge_app_sync_total", succeeded) -
                   SumOf(before, "converge_app_sync_total", succeeded) >=
               6;
  }));
  auto moved = [&](const std::string& sample, const std::map<std::string, std::string>& labels) {
    return SumOf(after, sample, labels) - SumOf(before, sample, labels);
  };
  for (const std::string& provider : kProviders) {
    EXPECT_EQ(
        SumOf(after, "converge_webhook_requests_total", {{"provider", provider}, {"result", "ok"}}),
        provider == "github" || provider == "gitlab" ? 2 : 1)
        << provider;
  }
  EXPECT_EQ(SumOf(after, "converge_webhook_refreshes_total"), 6);
  EXPECT_GE(moved("converge_app_sync_total", {{"phase", "Succeeded"}}), 6);
  EXPECT_GE(moved("converge_git_request_total", {{"kind", "ls-remote"}}), 6);
  EXPECT_GE(moved("converge_git_request_total", {{"kind", "fetch"}}), 6);
  EXPECT_EQ(SumOf(after, "converge_git_request_duration_seconds_count", {{"kind", "fetch"}}),
            SumOf(after, "converge_git_request_total", {{"kind", "fetch"}}));
  EXPECT_EQ(SumOf(after, "converge_git_request_duration_seconds_count", {{"kind", "ls-remote"}}),
            SumOf(after, "converge_git_request_total", {{"kind", "ls-remote"}}));
  EXPECT_GE(moved("converge_render_duration_seconds_count", {}), 6);
  EXPECT_EQ(SumOf(after, "converge_render_duration_seconds_count"),
            SumOf(after, "converge_render_total"));
  EXPECT_GE(moved("converge_kube_request_total", {{"verb", "apply"}, {"code", "200"}}), 6);
  EXPECT_GE(SumOf(after, "converge_kube_request_total", {{"verb", "watch"}}), 1);
  EXPECT_GE(moved("converge_workqueue_wait_seconds_count", {}), 6);
  EXPECT_GE(moved("converge_app_reconcile_seconds_count", {}), 6);
  for (const char* family :
       {"converge_git_request_duration_seconds", "converge_render_duration_seconds",
        "converge_workqueue_wait_seconds", "converge_app_reconcile_seconds"}) {
    ASSERT_TRUE(after.contains(family)) << family;
    EXPECT_EQ(after.at(family).type, "histogram") << family;
  }
  for (const char* family : {"converge_kube_request_total", "converge_webhook_requests_total",
                             "converge_webhook_refreshes_total", "converge_git_request_total"}) {
    ASSERT_TRUE(after.contains(family)) << family;
    EXPECT_EQ(after.at(family).type, "counter") << family;
    EXPECT_FALSE(after.at(family).help.empty()) << family;
  }
}

}  // namespace
}  // namespace converge::testing
