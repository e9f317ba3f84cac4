// The chart installed and used as a cluster would: charts/converge rendered by `converge
// render`, applied with the real kubectl (`apply --server-side`) to the embedded API server with
// RBAC on, its Deployment Available (simulated), then `converge operator` run with the
// Deployment's own arguments and a token of the chart's ServiceAccount. The example
// Applications of manifests/examples (plain, Kustomize, Helm, and the Argo CD one), pointed at a
// local copy of argocd-example-apps, must sync with no Forbidden error. In namespaced mode
// Applications outside the listed namespaces are never reconciled and writes outside them fail.
#include <algorithm>
#include <chrono>
#include <functional>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/sources/git/servers.h"
#include "tests/support/support.h"

namespace converge {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ProcessResult;

bool Eventually(const std::function<bool()>& condition) {
  return testing::Eventually(condition, std::chrono::milliseconds(250), std::chrono::seconds(120));
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Replaces the first `from` in `text`.
std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The flags `converge operator --help` lists.
std::set<std::string> OperatorFlags() {
  ProcessResult help = testing::Run({testing::ConvergeBinary().string(), "operator", "--help"});
  std::set<std::string> flags;
  for (size_t at = help.out.find("--"); at != std::string::npos; at = help.out.find("--", at + 2)) {
    size_t end = help.out.find_first_of(" =,\n", at);
    flags.insert(help.out.substr(at + 2, end - at - 2));
  }
  return flags;
}

// The files of `dir` (recursively) as path -> content, paths prefixed with `prefix`.
void AddFiles(const fs::path& dir, const std::string& prefix,
              std::map<std::string, std::string>& files) {
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    files[prefix + fs::relative(entry.path(), dir).string()] = testing::ReadFile(entry.path());
  }
}

class ChartInstallTest : public ::testing::Test {
 protected:
  ChartInstallTest() : server_({"--authorization", "RBAC"}) {}

  void SetUp() override {
    fs::create_directories(dir_.path() / "repos");
    upstream_ = std::make_unique<testing::Upstream>(dir_.path() / "repos", "argocd-example-apps");
    std::map<std::string, std::string> files;
    fs::path examples = testing::CorpusDir() / "gitops/argocd-example-apps";
    for (const std::string app : {"guestbook", "kustomize-guestbook", "helm-guestbook"}) {
      AddFiles(examples / app, app + "/", files);
    }
    upstream_->Commit(files, "examples");
    daemon_ = std::make_unique<testing::GitDaemon>(dir_.path() / "repos");
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "operator log:\n" << testing::ReadFile(dir_.path() / "operator.log");
    }
  }

  static void Check(const ProcessResult& result) {
    ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  }

  // Renders the chart as release "converge" in namespace "converge" with `values` (--set
  // flags), applies it and waits for the Deployment to be Available.
  void Install(const std::vector<std::string>& values) {
    std::vector<std::string> render = {testing::ConvergeBinary().string(),
                                       "render",
                                       (testing::SourceDir() / "charts/converge").string(),
                                       "--release-name",
                                       "converge",
                                       "--namespace",
                                       "converge",
                                       "--include-crds"};
    render.insert(render.end(), values.begin(), values.end());
    ProcessResult rendered = testing::Run(render);
    ASSERT_EQ(rendered.exit_code, 0) << rendered.err;
    Check(server_.Kubectl({"create", "namespace", "converge"}));
    Check(server_.Kubectl(
        {"apply", "--server-side", "-f", server_.File("chart.yaml", rendered.out).string()}));
    Check(server_.Kubectl({"wait", "--for=condition=Available", "--timeout=120s", "-n", "converge",
                           "deployment/converge"}));
  }

  // A kubeconfig as the admin's, but with a token of the chart's ServiceAccount.
  fs::path ServiceAccountKubeconfig() {
    ProcessResult token = server_.Kubectl({"create", "token", "converge", "-n", "converge"});
    EXPECT_EQ(token.exit_code, 0) << token.err;
    sa_token_ = token.out.substr(0, token.out.find_last_not_of("\n ") + 1);
    std::string config =
        Replace(testing::ReadFile(server_.kubeconfig()), server_.token(), sa_token_);
    return server_.File("sa-kubeconfig", config);
  }

  // `converge operator` with the arguments and environment of the chart's Deployment, as its
  // ServiceAccount; only what points into the Pod (listen address, mounted directories) is
  // local, and the log level is debug.
  void StartOperator() {
    ProcessResult got =
        server_.Kubectl({"get", "deployment", "converge", "-n", "converge", "-o", "json"});
    ASSERT_EQ(got.exit_code, 0) << got.err;
    json container = json::parse(got.out)["spec"]["template"]["spec"]["containers"][0];
    std::vector<std::string> argv = {"/usr/bin/env"};
    for (const json& env : container["env"]) {
      std::string name = env["name"];
      std::string value = name == "POD_NAME"        ? "converge-0"
                          : name == "POD_NAMESPACE" ? "converge"
                                                    : env.value("value", "");
      argv.push_back(name + "=" + value);
    }
    argv.push_back("HOME=" + (dir_.path() / "home").string());
    argv.push_back(testing::ConvergeBinary().string());
    std::set<std::string> known = OperatorFlags();
    for (const json& arg : container["args"]) {
      std::string text = arg;
      std::string name = text.rfind("--", 0) == 0 ? text.substr(2, text.find('=') - 2) : "";
      ASSERT_TRUE(name.empty() || known.contains(name))
          << "the chart passes an unknown flag: " << text;
      if (name == "listen") text = "--listen=127.0.0.1:0";
      if (name == "cache-dir") text = "--cache-dir=" + (dir_.path() / "cache").string();
      if (name == "webhook-secrets-dir") {
        fs::create_directories(dir_.path() / "webhook-secrets");
        text = "--webhook-secrets-dir=" + (dir_.path() / "webhook-secrets").string();
      }
      argv.push_back(text);
    }
    argv.push_back("--kubeconfig=" + ServiceAccountKubeconfig().string());
    // Refused list and watch calls are retried and logged at debug only.
    argv.push_back("--log-level=debug");
    operator_ = testing::Process::Start(argv, dir_.path() / "operator.log");
  }

  // An example Application of manifests/examples, its source moved to the local repository.
  void CreateExample(const std::string& file) {
    std::string yaml = testing::ReadFile(testing::SourceDir() / "manifests/examples" / file);
    yaml = Replace(yaml, "https://github.com/argoproj/argocd-example-apps.git",
                   daemon_->Url("argocd-example-apps"));
    Check(server_.Kubectl({"apply", "-f", server_.File(file, yaml).string()}));
  }

  std::string Get(const std::string& ns, const std::string& name, const std::string& path) {
    ProcessResult got =
        server_.Kubectl({"get", "application", name, "-n", ns, "-o", "jsonpath={" + path + "}"});
    return got.exit_code == 0 ? got.out : "<error: " + got.err + ">";
  }

  bool SyncedAndHealthy(const std::string& ns, const std::string& name) {
    return Get(ns, name, ".status.sync.status") == "Synced" &&
           Get(ns, name, ".status.health.status") == "Healthy";
  }

  std::string OperatorLog() { return testing::ReadFile(dir_.path() / "operator.log"); }

  testing::ApiServer server_;
  testing::TempDir dir_;
  std::unique_ptr<testing::Upstream> upstream_;
  std::unique_ptr<testing::GitDaemon> daemon_;
  std::unique_ptr<testing::Process> operator_;
  std::string sa_token_;
};

TEST_F(ChartInstallTest, ClusterWideSyncsEverySourceTypeWithoutForbidden) {
  ASSERT_NO_FATAL_FAILURE(Install({}));
  ASSERT_NO_FATAL_FAILURE(StartOperator());
  const std::vector<std::pair<std::string, std::string>> examples = {
      {"plain-application.yaml", "guestbook-plain"},
      {"kustomize-application.yaml", "guestbook-kustomize"},
      {"helm-application.yaml", "guestbook-helm"},
      {"argocd-application.yaml", "guestbook"}};
  for (const auto& [file, name] : examples) CreateExample(file);
  for (const auto& [file, name] : examples) {
    EXPECT_TRUE(Eventually([&] { return SyncedAndHealthy("converge", name); }))
        << name << ": " << Get("converge", name, ".status");
  }
  // What each source type rendered, by name: the Application's namePrefix replaces the
  // kustomization's (as Argo CD's `kustomize edit set nameprefix`), helm's releaseName names
  // the chart's objects.
  for (const auto& [ns, deployment] : {std::pair{"guestbook-plain", "guestbook-ui"},
                                       std::pair{"guestbook-kustomize", "demo-guestbook-ui"},
                                       std::pair{"guestbook-helm", "guestbook-helm-guestbook"},
                                       std::pair{"guestbook", "guestbook-ui"}}) {
    EXPECT_EQ(server_.Kubectl({"get", "deployment", deployment, "-n", ns}).exit_code, 0)
        << ns << ": " << server_.Kubectl({"get", "deployments", "-n", ns}).out;
  }
  for (const auto& [file, name] : examples) {
    EXPECT_EQ(Lower(Get("converge", name, ".status")).find("forbidden"), std::string::npos) << name;
  }
  EXPECT_EQ(Lower(OperatorLog()).find("forbidden"), std::string::npos) << OperatorLog();
}

TEST_F(ChartInstallTest, NamespacedModeStaysInsideItsNamespaces) {
  // The Roles go into the listed namespaces, which must exist first.
  Check(server_.Kubectl({"create", "namespace", "apps"}));
  Check(server_.Kubectl({"create", "namespace", "outside"}));
  ASSERT_NO_FATAL_FAILURE(
      Install({"--set", "rbac.namespaced=true", "--set", "rbac.namespaces={converge,apps}"}));
  ASSERT_NO_FATAL_FAILURE(StartOperator());
  // The examples create their namespace; here the namespaces exist and the ServiceAccount may
  // not create any.
  auto without_create_namespace = [this](const std::string& ns, const std::string& destination,
                                         const std::string& name) {
    std::string yaml =
        "apiVersion: converge.dev/v1alpha1\nkind: Application\nmetadata:\n  name: " + name +
        "\n  namespace: " + ns +
        "\nspec:\n  source:\n    repoURL: " + daemon_->Url("argocd-example-apps") +
        "\n    targetRevision: HEAD\n    path: guestbook\n  destination:\n"
        "    server: https://kubernetes.default.svc\n    namespace: " +
        destination + "\n  syncPolicy:\n    automated: {prune: true}\n";
    Check(server_.Kubectl({"apply", "-f", server_.File(name + ".yaml", yaml).string()}));
  };
  without_create_namespace("converge", "apps", "inside");
  without_create_namespace("outside", "outside", "elsewhere");
  without_create_namespace("converge", "outside", "escape");

  EXPECT_TRUE(Eventually([&] { return SyncedAndHealthy("converge", "inside"); }))
      << Get("converge", "inside", ".status");
  EXPECT_EQ(server_.Kubectl({"get", "deployment", "guestbook-ui", "-n", "apps"}).exit_code, 0);
  EXPECT_EQ(Lower(Get("converge", "inside", ".status")).find("forbidden"), std::string::npos);

  // Writing into a namespace outside the list fails, and says why.
  EXPECT_TRUE(Eventually([&] {
    return Lower(Get("converge", "escape", ".status")).find("forbidden") != std::string::npos;
  })) << Get("converge", "escape", ".status");
  EXPECT_NE(Get("converge", "escape", ".status.sync.status"), "Synced");
  EXPECT_NE(server_.Kubectl({"get", "deployment", "guestbook-ui", "-n", "outside"}).exit_code, 0);

  // An Application outside the list is invisible to the operator: never reconciled.
  ProcessResult can_i = server_.Kubectl({"--token", sa_token_, "auth", "can-i", "list",
                                         "applications.converge.dev", "-n", "outside"});
  EXPECT_EQ(can_i.out, "no\n") << can_i.err;
  EXPECT_EQ(Get("outside", "elsewhere", ".status"), "");
}

}  // namespace
}  // namespace converge
