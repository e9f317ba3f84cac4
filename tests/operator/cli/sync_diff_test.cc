// `converge sync` and `converge diff` as a user runs them: the real binary against the embedded
// API server, with kubectl as the witness of what the cluster holds.

#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge {
namespace {

namespace fs = std::filesystem;

constexpr char kSecret[] = R"(apiVersion: v1
kind: Secret
metadata: {name: credentials}
stringData: {password: Zq8-cli-fixture-pass-0c1e}
)";
constexpr char kSecretValue[] = "Zq8-cli-fixture-pass-0c1e";

// Whether a line of the results table has this status and a message starting with `message`.
bool HasRow(const std::string& table, const std::string& status, const std::string& message) {
  size_t start = 0;
  while (start < table.size()) {
    size_t end = table.find('\n', start);
    if (end == std::string::npos) end = table.size();
    std::string line = table.substr(start, end - start);
    size_t at = line.find(" " + status + " ");
    if (at != std::string::npos && line.find(message, at) != std::string::npos) return true;
    start = end + 1;
  }
  return false;
}

class SyncDiffCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::path guestbook = testing::CorpusDir() / "gitops/argocd-example-apps/guestbook";
    for (const char* file : {"guestbook-ui-deployment.yaml", "guestbook-ui-svc.yaml"}) {
      dir_.Write(std::string("app/") + file, testing::ReadFile(guestbook / file));
    }
    dir_.Write("app/secret.yaml", kSecret);
  }

  testing::ProcessResult Converge(const std::string& command, std::vector<std::string> args) {
    args.insert(
        args.begin(),
        {testing::ConvergeBinary().string(), command, (dir_.path() / "app").string(),
         "--kubeconfig", server_.kubeconfig().string(), "--app-name", "guestbook", "-n", "web"});
    testing::ProcessResult run = testing::Run(args);
    captured_ += run.out + run.err;
    return run;
  }

  testing::ApiServer server_;
  testing::TempDir dir_;
  std::string captured_;  // everything the commands printed
};

TEST_F(SyncDiffCommandTest, DiffSyncDiffDriftPrune) {
  testing::ProcessResult diff = Converge("diff", {});
  EXPECT_EQ(diff.exit_code, 1) << diff.err;
  EXPECT_NE(diff.out.find("+++ desired/apps/Deployment:web/guestbook-ui"), std::string::npos)
      << diff.out;
  EXPECT_NE(diff.err.find("Health: Missing"), std::string::npos) << diff.err;

  testing::ProcessResult sync = Converge("sync", {"--sync-option", "CreateNamespace=true"});
  ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
  EXPECT_TRUE(HasRow(sync.out, "Synced", "Deployment/web/guestbook-ui: created")) << sync.out;
  EXPECT_NE(sync.out.find("Phase:   Succeeded"), std::string::npos) << sync.out;
  testing::ProcessResult get =
      server_.Kubectl({"get", "-n", "web", "deployment/guestbook-ui", "-o",
                       "jsonpath={.metadata.annotations.converge\\.dev/tracking-id}"});
  EXPECT_EQ(get.out, "converge_guestbook:apps/Deployment:web/guestbook-ui") << get.err;

  // The sync ends once its last wave is applied (as Argo CD's); the rollout finishes after.
  ASSERT_EQ(
      server_
          .Kubectl({"rollout", "status", "-n", "web", "deployment/guestbook-ui", "--timeout=60s"})
          .exit_code,
      0);
  diff = Converge("diff", {});
  EXPECT_EQ(diff.exit_code, 0) << diff.out << diff.err;
  EXPECT_EQ(diff.out, "");
  EXPECT_NE(diff.err.find("Health: Healthy"), std::string::npos) << diff.err;
  diff = Converge("diff", {"--server-side"});
  EXPECT_EQ(diff.exit_code, 0) << diff.out << diff.err;

  // Someone edits the image, and the Secret's password: both are drift, the password masked.
  ASSERT_EQ(server_
                .Kubectl({"set", "image", "-n", "web", "deployment/guestbook-ui",
                          "guestbook-ui=gcr.io/google-samples/gb-frontend:v6"})
                .exit_code,
            0);
  ASSERT_EQ(server_
                .Kubectl({"patch", "-n", "web", "secret/credentials", "--type=merge", "-p",
                          R"({"stringData":{"password":"another-value"}})"})
                .exit_code,
            0);
  diff = Converge("diff", {});
  EXPECT_EQ(diff.exit_code, 1) << diff.err;
  EXPECT_NE(diff.out.find("-      - image: gcr.io/google-samples/gb-frontend:v6\n"
                          "+      - image: gcr.io/google-samples/gb-frontend:v5\n"),
            std::string::npos)
      << diff.out;
  EXPECT_NE(diff.out.find("+++ desired//Secret:web/credentials"), std::string::npos) << diff.out;
  diff = Converge("diff", {"--server-side"});
  EXPECT_EQ(diff.exit_code, 1) << diff.err;

  // The Service leaves the source: kept without --prune, deleted with it.
  fs::remove(dir_.path() / "app/guestbook-ui-svc.yaml");
  sync = Converge("sync", {});
  ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
  EXPECT_TRUE(HasRow(sync.out, "PruneSkipped", "Service/web/guestbook-ui: ignored")) << sync.out;
  EXPECT_EQ(server_.Kubectl({"get", "-n", "web", "service/guestbook-ui"}).exit_code, 0);
  sync = Converge("sync", {"--prune"});
  ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
  EXPECT_TRUE(HasRow(sync.out, "Pruned", "Service/web/guestbook-ui: pruned")) << sync.out;
  EXPECT_NE(server_.Kubectl({"get", "-n", "web", "service/guestbook-ui"}).exit_code, 0);
  diff = Converge("diff", {});
  EXPECT_EQ(diff.exit_code, 0) << diff.out;

  EXPECT_EQ(captured_.find(kSecretValue), std::string::npos);
  EXPECT_EQ(captured_.find("another-value"), std::string::npos);
}

TEST_F(SyncDiffCommandTest, DryRunWritesNothingAndFailuresExitOne) {
  testing::ProcessResult sync =
      Converge("sync", {"--dry-run", "--sync-option", "CreateNamespace=true"});
  ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
  EXPECT_NE(sync.out.find("Deployment/web/guestbook-ui: dry run ok"), std::string::npos)
      << sync.out;
  EXPECT_NE(server_.Kubectl({"get", "namespace", "web"}).exit_code, 0);

  dir_.Write("app/broken.yaml",
             "apiVersion: v1\nkind: Service\nmetadata: {name: broken}\n"
             "spec: {ports: [{port: \"eighty\"}]}\n");
  sync = Converge("sync", {"--sync-option", "CreateNamespace=true"});
  EXPECT_EQ(sync.exit_code, 1) << sync.out << sync.err;
  EXPECT_TRUE(HasRow(sync.out, "SyncFailed", "Service/web/broken: dry run: ")) << sync.out;
  EXPECT_NE(server_.Kubectl({"get", "namespace", "web"}).exit_code, 0);

  testing::ProcessResult usage = Converge("sync", {"--app-name="});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_EQ(captured_.find(kSecretValue), std::string::npos);
}

TEST_F(SyncDiffCommandTest, PruneConfirmNeedsApprovePrune) {
  dir_.Write("app/guarded.yaml",
             "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: guarded\n  annotations:\n"
             "    argocd.argoproj.io/sync-options: Prune=confirm\n");
  testing::ProcessResult sync = Converge("sync", {"--sync-option", "CreateNamespace=true"});
  ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
  fs::remove(dir_.path() / "app/guarded.yaml");

  sync = Converge("sync", {"--prune"});
  EXPECT_EQ(sync.exit_code, 1) << sync.out << sync.err;
  EXPECT_NE(sync.out.find("Message: waiting for pruning confirmation of ConfigMap/web/guarded: "
                          "nothing can approve it here\n"),
            std::string::npos)
      << sync.out;
  EXPECT_EQ(server_.Kubectl({"get", "-n", "web", "configmap/guarded"}).exit_code, 0);

  sync = Converge("sync", {"--prune", "--approve-prune", "--sync-wave-delay", "0s"});
  ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
  EXPECT_TRUE(HasRow(sync.out, "Pruned", "ConfigMap/web/guarded: pruned")) << sync.out;
  EXPECT_NE(server_.Kubectl({"get", "-n", "web", "configmap/guarded"}).exit_code, 0);

  testing::ProcessResult usage = Converge("sync", {"--sync-wave-delay", "soon"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("--sync-wave-delay"), std::string::npos) << usage.err;
}

}  // namespace
}  // namespace converge
