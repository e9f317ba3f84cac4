// The operator end to end: `converge operator` against the embedded API server, Applications
// created and watched with the real kubectl, their source served by `git daemon`.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "base/clock.h"
#include "tests/sources/git/servers.h"
#include "tests/support/support.h"

namespace converge::controller {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ProcessResult;

constexpr char kConfigMap[] = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  greeting: GREETING
)";

constexpr char kDeployment[] = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
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

constexpr char kService[] = R"(apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
)";

std::string ConfigMap(const std::string& greeting) {
  std::string text = kConfigMap;
  text.replace(text.find("GREETING"), 8, greeting);
  return text;
}

bool Eventually(const std::function<bool()>& condition) {
  return testing::Eventually(condition, std::chrono::milliseconds(200));
}

class OperatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<testing::ApiServer>(server_flags_);
    fs::create_directories(dir_.path() / "repos");
    upstream_ = std::make_unique<testing::Upstream>(dir_.path() / "repos", "app");
    upstream_->Commit({{"deploy/configmap.yaml", ConfigMap("hello")},
                       {"deploy/deployment.yaml", kDeployment},
                       {"deploy/service.yaml", kService}},
                      "first");
    daemon_ = std::make_unique<testing::GitDaemon>(dir_.path() / "repos");
    Check(server_->Kubectl(
        {"apply", "--server-side", "-f", (testing::SourceDir() / "manifests/crds").string()}));
    Check(server_->Kubectl(
        {"wait", "--for=condition=Established", "--timeout=60s", "crd/applications.converge.dev"}));
    Check(server_->Kubectl({"create", "namespace", "converge"}));
    operator_ = StartOperator("operator");
  }

  // `converge operator` with its log in DIR/NAME.log.
  std::unique_ptr<testing::Process> StartOperator(const std::string& name) {
    std::vector<std::string> argv = {testing::ConvergeBinary().string(),
                                     "operator",
                                     "--kubeconfig",
                                     server_->kubeconfig().string(),
                                     "--poll-interval",
                                     "1s",
                                     "--poll-jitter",
                                     "0s",
                                     "--cache-dir",
                                     (dir_.path() / ("cache-" + name)).string(),
                                     "--credentials-namespace",
                                     "converge",
                                     "--sync-timeout",
                                     "60s",
                                     "--listen",
                                     "127.0.0.1:0"};
    argv.insert(argv.end(), extra_flags_.begin(), extra_flags_.end());
    return testing::Process::Start(argv, dir_.path() / (name + ".log"));
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "operator log:\n" << testing::ReadFile(dir_.path() / "operator.log");
    }
  }

  static void Check(const ProcessResult& result) {
    ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  }

  void CreateApplication(const std::string& sync_policy) {
    std::string yaml =
        "apiVersion: converge.dev/v1alpha1\nkind: Application\nmetadata:\n"
        "  name: demo\n  namespace: converge\n  finalizers:\n"
        "    - resources-finalizer.converge.dev\nspec:\n  source:\n"
        "    repoURL: " +
        daemon_->Url("app") +
        "\n    path: deploy\n  destination:\n"
        "    server: https://kubernetes.default.svc\n    namespace: demo\n"
        "  syncPolicy:\n" +
        sync_policy;
    Check(server_->Kubectl({"apply", "-f", server_->File("app.yaml", yaml).string()}));
  }

  std::string Get(const std::vector<std::string>& args) {
    ProcessResult result = server_->Kubectl(args);
    return result.exit_code == 0 ? result.out : "<error: " + result.err + ">";
  }

  std::string Greeting() {
    return Get({"get", "configmap", "settings", "-n", "demo", "-o", "jsonpath={.data.greeting}"});
  }

  std::string AppField(const std::string& jsonpath) {
    return Get({"get", "application", "demo", "-n", "converge", "-o", "jsonpath=" + jsonpath});
  }

  std::vector<std::string> extra_flags_;
  testing::TempDir dir_;
  std::vector<std::string> server_flags_;
  std::unique_ptr<testing::ApiServer> server_;
  std::unique_ptr<testing::Upstream> upstream_;
  std::unique_ptr<testing::GitDaemon> daemon_;
  std::unique_ptr<testing::Process> operator_;
};

TEST_F(OperatorTest, SyncsFollowsCommitsKeepsLiveStateOnBrokenInputHealsAndDeletes) {
  CreateApplication(
      "    automated: {prune: true, selfHeal: true}\n"
      "    syncOptions: [CreateNamespace=true]\n");
  ProcessResult ready = server_->Kubectl(
      {"wait", "--for=condition=Ready", "--timeout=90s", "application/demo", "-n", "converge"});
  ASSERT_EQ(ready.exit_code, 0) << ready.err << AppField("{.status}");
  EXPECT_EQ(AppField("{.status.sync.status}"), "Synced");
  EXPECT_EQ(AppField("{.status.health.status}"), "Healthy");
  EXPECT_EQ(AppField("{.status.sync.revision}"), upstream_->RevParse("HEAD"));
  EXPECT_EQ(AppField("{.status.operationState.phase}"), "Succeeded");
  EXPECT_EQ(Greeting(), "hello");
  EXPECT_EQ(Get({"get", "deployment", "web", "-n", "demo", "-o",
                 "jsonpath={.metadata.annotations.converge\\.dev/tracking-id}"}),
            "converge_demo:apps/Deployment:demo/web");

  std::string events = Get({"get", "events", "-n", "converge", "-o",
                            "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}"});
  EXPECT_NE(events.find("OperationStarted: Initiated automated sync to "), std::string::npos)
      << events;
  EXPECT_NE(events.find("OperationCompleted: Sync operation to "), std::string::npos) << events;

  // Probes and Prometheus metrics on the port the operator logged.
  std::string log = testing::ReadFile(dir_.path() / "operator.log");
  size_t at = log.find("/metrics port=");
  ASSERT_NE(at, std::string::npos) << log;
  httplib::Client endpoints("127.0.0.1", std::atoi(log.c_str() + at + 14));
  httplib::Result readyz = endpoints.Get("/readyz");
  ASSERT_TRUE(readyz);
  EXPECT_EQ(readyz->status, 200);
  httplib::Result metrics = endpoints.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("converge_app_info{namespace=\"converge\",name=\"demo\",repo=\"" +
                               daemon_->Url("app") +
                               "\",sync_status=\"Synced\",health_status=\"Healthy\"} 1\n"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("converge_app_sync_total{phase=\"Succeeded\"} "), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("# TYPE converge_app_reconcile_seconds histogram"),
            std::string::npos);

  // A new commit is applied by polling; the file removed from Git is pruned.
  upstream_->Run({"rm", "-q", "deploy/service.yaml"});
  std::string second = upstream_->Commit({{"deploy/configmap.yaml", ConfigMap("bonjour")}}, "two");
  EXPECT_TRUE(Eventually([&] { return Greeting() == "bonjour"; })) << AppField("{.status}");
  EXPECT_TRUE(Eventually([&] {
    return server_->Kubectl({"get", "service", "web", "-n", "demo"}).exit_code != 0;
  })) << "the Service left Git and is pruned";
  EXPECT_TRUE(Eventually([&] { return AppField("{.status.sync.revision}") == second; }));
  EXPECT_TRUE(Eventually([&] {
    return Get({"get", "events", "-n", "converge", "-o", "jsonpath={.items[*].reason}"})
               .find("ResourcePruned") != std::string::npos;
  }));

  // Broken YAML: nothing live changes, a condition names the file and line.
  upstream_->Commit({{"deploy/configmap.yaml", ConfigMap("hallo") + "  broken: [unclosed\n"}},
                    "broken");
  EXPECT_TRUE(Eventually([&] {
    return AppField("{.status.conditions[?(@.type==\"ComparisonError\")].message}")
               .find("configmap.yaml") != std::string::npos;
  })) << AppField("{.status}");
  std::string message = AppField("{.status.conditions[?(@.type==\"ComparisonError\")].message}");
  EXPECT_NE(message.find("line"), std::string::npos) << message;
  EXPECT_EQ(AppField("{.status.conditions[?(@.type==\"Ready\")].status}"), "False");
  EXPECT_EQ(Greeting(), "bonjour");
  EXPECT_EQ(server_->Kubectl({"get", "deployment", "web", "-n", "demo"}).exit_code, 0);

  // The next good commit recovers.
  upstream_->Commit({{"deploy/configmap.yaml", ConfigMap("hola")}}, "fixed");
  EXPECT_TRUE(Eventually([&] { return Greeting() == "hola"; })) << AppField("{.status}");
  EXPECT_TRUE(Eventually([&] {
    return AppField("{.status.conditions[?(@.type==\"Ready\")].status}") == "True";
  })) << AppField("{.status}");

  // Drift made by someone else is healed (selfHeal).
  Check(server_->Kubectl({"patch", "configmap", "settings", "-n", "demo", "--type=merge", "-p",
                          R"({"data":{"greeting":"drifted"}})"}));
  EXPECT_TRUE(Eventually([&] { return Greeting() == "hola"; })) << AppField("{.status}");

  // Deleting the Application with its finalizer deletes what it deployed.
  Check(server_->Kubectl({"delete", "application", "demo", "-n", "converge", "--wait=false"}));
  EXPECT_TRUE(Eventually([&] {
    return server_->Kubectl({"get", "application", "demo", "-n", "converge"}).exit_code != 0;
  }));
  EXPECT_NE(server_->Kubectl({"get", "deployment", "web", "-n", "demo"}).exit_code, 0);
  EXPECT_NE(server_->Kubectl({"get", "configmap", "settings", "-n", "demo"}).exit_code, 0);
}

TEST_F(OperatorTest, PruneConfirmAndDeleteConfirmWaitForApprovalDeleteFalseObjectsStay) {
  upstream_->Commit({{"deploy/guarded.yaml",
                      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: guarded\n"
                      "  annotations:\n    argocd.argoproj.io/sync-options: Prune=confirm\n"},
                     {"deploy/keep.yaml",
                      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n  annotations:\n"
                      "    argocd.argoproj.io/sync-options: Delete=false\n"},
                     {"deploy/confirm.yaml",
                      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: confirm\n"
                      "  annotations:\n    converge.dev/sync-options: Delete=confirm\n"}},
                    "deletion options");
  CreateApplication(
      "    automated: {prune: true}\n"
      "    syncOptions: [CreateNamespace=true]\n");
  ProcessResult ready = server_->Kubectl(
      {"wait", "--for=condition=Ready", "--timeout=90s", "application/demo", "-n", "converge"});
  ASSERT_EQ(ready.exit_code, 0) << ready.err << AppField("{.status}");
  ASSERT_EQ(Get({"get", "configmap", "confirm", "-n", "demo", "-o", "name"}),
            "configmap/confirm\n");

  // The automated sync that would prune a Prune=confirm object waits for the approval, which
  // counts only when given after the sync started.
  upstream_->Run({"rm", "-q", "deploy/guarded.yaml"});
  upstream_->Commit({{"deploy/configmap.yaml", ConfigMap("bonjour")}}, "guarded removed");
  EXPECT_TRUE(Eventually([&] { return AppField("{.status.operationState.phase}") == "Running"; }))
      << AppField("{.status}");
  EXPECT_EQ(Greeting(), "hello") << "nothing is written before the approval";
  EXPECT_EQ(server_->Kubectl({"get", "configmap", "guarded", "-n", "demo"}).exit_code, 0);
  Check(server_->Kubectl({"annotate", "application", "demo", "-n", "converge",
                          "argocd.argoproj.io/deletion-approved=" + FormatRfc3339(UnixSeconds())}));
  EXPECT_TRUE(Eventually([&] {
    return server_->Kubectl({"get", "configmap", "guarded", "-n", "demo"}).exit_code != 0;
  })) << AppField("{.status}");
  EXPECT_TRUE(Eventually([&] { return Greeting() == "bonjour"; }));

  // An approval given before the deletion was asked for does not count.
  Check(server_->Kubectl({"annotate", "--overwrite", "application", "demo", "-n", "converge",
                          "argocd.argoproj.io/deletion-approved-",
                          "converge.dev/deletion-approved=2000-01-01T00:00:00Z"}));
  Check(server_->Kubectl({"delete", "application", "demo", "-n", "converge", "--wait=false"}));
  EXPECT_TRUE(Eventually([&] {
    return AppField("{.status.conditions[?(@.type==\"DeletionError\")].message}")
        .starts_with("waiting for deletion confirmation of ConfigMap/demo/confirm");
  })) << AppField("{.status}");
  EXPECT_EQ(Greeting(), "bonjour") << "nothing is deleted before the approval";

  Check(server_->Kubectl({"annotate", "--overwrite", "application", "demo", "-n", "converge",
                          "converge.dev/deletion-approved=" + FormatRfc3339(UnixSeconds())}));
  EXPECT_TRUE(Eventually([&] {
    return server_->Kubectl({"get", "application", "demo", "-n", "converge"}).exit_code != 0;
  })) << AppField("{.status}");
  EXPECT_NE(server_->Kubectl({"get", "configmap", "confirm", "-n", "demo"}).exit_code, 0);
  EXPECT_NE(server_->Kubectl({"get", "configmap", "settings", "-n", "demo"}).exit_code, 0);
  EXPECT_NE(server_->Kubectl({"get", "deployment", "web", "-n", "demo"}).exit_code, 0);
  // Delete=false: left in place, its tracking kept, as Argo CD leaves it.
  EXPECT_EQ(Get({"get", "configmap", "keep", "-n", "demo", "-o",
                 "jsonpath={.metadata.annotations.converge\\.dev/tracking-id}"}),
            "converge_demo:/ConfigMap:demo/keep");
}

TEST_F(OperatorTest, InvalidSpecIsReportedAndDriftIsKeptWithoutSelfHeal) {
  CreateApplication(
      "    automated: {prune: false, selfHeal: false}\n"
      "    syncOptions: [CreateNamespace=true]\n");
  ProcessResult ready = server_->Kubectl(
      {"wait", "--for=condition=Ready", "--timeout=90s", "application/demo", "-n", "converge"});
  ASSERT_EQ(ready.exit_code, 0) << ready.err << AppField("{.status}");
  Check(server_->Kubectl({"patch", "configmap", "settings", "-n", "demo", "--type=merge", "-p",
                          R"({"data":{"greeting":"drifted"}})"}));
  EXPECT_TRUE(Eventually([&] { return AppField("{.status.sync.status}") == "OutOfSync"; }));
  EXPECT_EQ(Greeting(), "drifted") << "without selfHeal drift is reported, not reverted";

  Check(server_->Kubectl({"patch", "application", "demo", "-n", "converge", "--type=merge", "-p",
                          R"({"spec":{"destination":{"server":"https://elsewhere.example"}}})"}));
  EXPECT_TRUE(Eventually([&] {
    return AppField("{.status.conditions[?(@.type==\"InvalidSpecError\")].message}")
               .find("https://elsewhere.example is not supported") != std::string::npos;
  })) << AppField("{.status}");
  EXPECT_EQ(AppField("{.status.conditions[?(@.type==\"Stalled\")].status}"), "True");
}

class LeaderElectionTest : public OperatorTest {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / "webhook-secrets");
    std::ofstream(dir_.path() / "webhook-secrets/gitlab") << kWebhookToken;
    extra_flags_ = {"--leader-elect",
                    "--lease-duration",
                    "3s",
                    "--renew-deadline",
                    "2s",
                    "--retry-period",
                    "200ms",
                    "--webhook-secrets-dir",
                    (dir_.path() / "webhook-secrets").string()};
    OperatorTest::SetUp();
  }

  static constexpr char kWebhookToken[] = "standby-token";
};

// Two replicas: one leads and syncs, the other stands by and takes over when the leader dies.
TEST_F(LeaderElectionTest, AStandbyReplicaTakesOverWhenTheLeaderDies) {
  CreateApplication(
      "    automated: {prune: true, selfHeal: true}\n"
      "    syncOptions: [CreateNamespace=true]\n");
  ProcessResult ready = server_->Kubectl(
      {"wait", "--for=condition=Ready", "--timeout=90s", "application/demo", "-n", "converge"});
  ASSERT_EQ(ready.exit_code, 0) << ready.err << AppField("{.status}");
  std::unique_ptr<testing::Process> standby = StartOperator("standby");
  EXPECT_TRUE(Eventually([&] {
    return testing::ReadFile(dir_.path() / "standby.log").find("leader") != std::string::npos;
  }));
  EXPECT_EQ(testing::ReadFile(dir_.path() / "standby.log").find("controller started"),
            std::string::npos)
      << "the standby must not reconcile while the leader holds the Lease";

  // A push announced to the standby reaches the leader through the refresh annotation.
  std::string standby_log;
  ASSERT_TRUE(Eventually([&] {
    standby_log = testing::ReadFile(dir_.path() / "standby.log");
    return standby_log.find("/metrics port=") != std::string::npos;
  })) << standby_log;
  httplib::Client standby_http(
      "127.0.0.1", std::atoi(standby_log.c_str() + standby_log.find("/metrics port=") + 14));
  json push = {{"ref", "refs/heads/main"}, {"project", {{"git_http_url", daemon_->Url("app")}}}};
  httplib::Result pushed = standby_http.Post(
      "/api/webhook", {{"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Token", kWebhookToken}},
      push.dump(), "application/json");
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->status, 200) << pushed->body;
  EXPECT_EQ(json::parse(pushed->body, nullptr, false)["refreshed"], json({"converge/demo"}))
      << pushed->body;
  EXPECT_TRUE(Eventually([&] {
    return AppField("{.metadata.annotations}").find("converge.dev/refresh") == std::string::npos;
  })) << "the leader takes the refresh and removes the annotation";

  operator_->Signal(SIGKILL);
  operator_->Wait();
  upstream_->Commit({{"deploy/configmap.yaml", ConfigMap("after failover")}}, "failover");
  EXPECT_TRUE(Eventually([&] { return Greeting() == "after failover"; }))
      << testing::ReadFile(dir_.path() / "standby.log");
  EXPECT_NE(testing::ReadFile(dir_.path() / "standby.log").find("controller started"),
            std::string::npos);
}

class CrashTest : public OperatorTest {
 protected:
  void SetUp() override {
    // Rollouts take 3 s, so the operator can be killed while a sync waits between waves.
    server_flags_ = {"--simulate-delay-ms", "3000"};
    OperatorTest::SetUp();
  }
};

// kill -9 of the operator in the middle of a sync (wave 0 applied, wave 1 not yet), then a
// restart: the sync is run again and the cluster converges, nothing duplicated or lost.
TEST_F(CrashTest, AnInterruptedSyncConvergesAfterRestart) {
  std::string late = ConfigMap("late");
  late.insert(late.find("\ndata:") + 1,
              "  annotations:\n    argocd.argoproj.io/sync-wave: \"1\"\n");
  upstream_->Commit({{"deploy/configmap.yaml", late}}, "configmap in wave 1");
  CreateApplication(
      "    automated: {prune: true, selfHeal: true}\n"
      "    syncOptions: [CreateNamespace=true]\n");
  ASSERT_TRUE(Eventually([&] {
    return server_->Kubectl({"get", "deployment", "web", "-n", "demo"}).exit_code == 0;
  }));
  EXPECT_NE(server_->Kubectl({"get", "configmap", "settings", "-n", "demo"}).exit_code, 0)
      << "killed before wave 1";
  operator_->Signal(SIGKILL);
  operator_->Wait();
  operator_ = StartOperator("restarted");
  ProcessResult ready = server_->Kubectl(
      {"wait", "--for=condition=Ready", "--timeout=90s", "application/demo", "-n", "converge"});
  ASSERT_EQ(ready.exit_code, 0) << ready.err << AppField("{.status}");
  EXPECT_EQ(Greeting(), "late");
  EXPECT_EQ(Get({"get", "deployments", "-n", "demo", "-o", "name"}), "deployment.apps/web\n");
  EXPECT_EQ(Get({"get", "services", "-n", "demo", "-o", "name"}), "service/web\n");
  std::string replica_sets = Get({"get", "replicasets", "-n", "demo", "-o", "name"});
  EXPECT_EQ(std::count(replica_sets.begin(), replica_sets.end(), '\n'), 1)
      << "one ReplicaSet: the Deployment was not recreated: " << replica_sets;
}

}  // namespace
}  // namespace converge::controller
