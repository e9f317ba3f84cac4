// converge app end to end: a real `converge up` (embedded API server, Git repository,
// operator and its HTTP API) driven by the CLI as a user drives it. What the cluster holds is
// checked with the real kubectl, revisions with git.
#include <csignal>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The value after `key` in `text`, up to the next whitespace.
std::string After(const std::string& text, std::string_view key) {
  size_t at = text.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  size_t end = text.find_first_of(" \n", at);
  return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// `converge up` in a scratch data directory with its API on a free port.
class Up {
 public:
  Up() {
    process_ = testing::Process::Start(
        {testing::ConvergeBinary().string(), "up", "--data-dir", data().string(), "--api-listen",
         "127.0.0.1:0", "--poll-interval", "1000"},
        dir_.path() / "up.log");
    ready_ = process_->WaitForOutput("Stop with Ctrl-C", std::chrono::seconds(120));
    server_ = After(process_->output(), "CONVERGE_SERVER=");
    kubeconfig_ = After(process_->output(), "KUBECONFIG=");
    token_ = Trim(testing::ReadFile(data() / "api-token"));
  }
  ~Up() {
    process_->Signal(SIGTERM);
    process_->Wait();
  }

  // True once up printed its instructions, with the API's URL and a token.
  bool ready() const { return ready_ && !server_.empty() && !token_.empty(); }
  std::string log() const { return process_->output() + testing::ReadFile(dir_.path() / "up.log"); }
  fs::path data() const { return dir_.path() / "up"; }
  const fs::path& scratch() const { return dir_.path(); }
  const std::string& server() const { return server_; }

  testing::ProcessResult App(std::vector<std::string> args) const {
    args.insert(args.begin(), {testing::ConvergeBinary().string(), "app"});
    args.insert(args.end(), {"--server", server_, "--token", token_});
    return testing::Run(args);
  }
  testing::ProcessResult Kubectl(std::vector<std::string> args) const {
    args.insert(args.begin(),
                {(testing::OracleDir() / "kubectl").string(), "--kubeconfig", kubeconfig_,
                 "--cache-dir", (dir_.path() / "kubectl-cache").string()});
    return testing::Run(args);
  }

 private:
  testing::TempDir dir_;
  std::unique_ptr<testing::Process> process_;
  bool ready_ = false;
  std::string server_;
  std::string kubeconfig_;
  std::string token_;
};

testing::ProcessResult Git(const fs::path& repo, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", repo.string(), "-c", "user.name=Test", "-c",
                             "user.email=test@localhost"});
  return testing::Run(args);
}

constexpr char kSecretPlain[] = "s3cret-value";
constexpr char kSecretBase64[] = "czNjcmV0LXZhbHVl";  // base64 of kSecretPlain
constexpr char kDriftPlain[] = "changed-pw";
constexpr char kDriftBase64[] = "Y2hhbmdlZC1wdw==";  // base64 of kDriftPlain

std::string AppManifests(std::string_view value, std::string_view password) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: " +
         std::string(value) +
         "\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: credentials\ntype: "
         "Opaque\ndata:\n  password: " +
         std::string(password) + "\n";
}

// A repository of a ConfigMap and a Secret, and an Application without an automated policy
// for it, so only the CLI syncs it.
fs::path CreateManualApplication(const Up& up) {
  fs::path repo = up.scratch() / "manual-repo";
  fs::create_directories(repo / "app");
  std::ofstream(repo / "app/manifests.yaml") << AppManifests("first", kSecretBase64);
  EXPECT_EQ(Git(repo, {"init", "-q", "-b", "main"}).exit_code, 0);
  EXPECT_EQ(Git(repo, {"add", "-A"}).exit_code, 0);
  EXPECT_EQ(Git(repo, {"commit", "-q", "-m", "first"}).exit_code, 0);
  fs::path application = up.scratch() / "manual.yaml";
  std::ofstream(application)
      << "apiVersion: converge.dev/v1alpha1\nkind: Application\nmetadata:\n  name: manual\n  "
         "namespace: converge\nspec:\n  source:\n    repoURL: file://"
      << repo.string()
      << "\n    targetRevision: main\n    path: app\n  destination:\n    server: "
         "https://kubernetes.default.svc\n    namespace: manual\n  syncPolicy:\n    "
         "syncOptions: [CreateNamespace=true]\n";
  testing::ProcessResult applied = up.Kubectl({"apply", "-f", application.string()});
  EXPECT_EQ(applied.exit_code, 0) << applied.err;
  return repo;
}

std::string LiveValue(const Up& up) {
  return up
      .Kubectl({"get", "configmap", "settings", "-n", "manual", "-o", "jsonpath={.data.value}"})
      .out;
}

TEST(AppTest, ListAndGetShowWhatTheClusterHolds) {
  Up up;
  ASSERT_TRUE(up.ready()) << up.log();
  for (const char* name : {"plain", "kustomize", "helm"}) {
    testing::ProcessResult waited = up.App({"wait", name, "--timeout", "120s"});
    ASSERT_EQ(waited.exit_code, 0) << waited.out << waited.err;
    EXPECT_NE(waited.out.find("Health Status:      Healthy"), std::string::npos) << waited.out;
  }

  // The oracle: the Applications as kubectl reads them from the cluster.
  testing::ProcessResult applications =
      up.Kubectl({"get", "applications", "-n", "converge", "-o", "json"});
  ASSERT_EQ(applications.exit_code, 0) << applications.err;
  json expected = json::parse(applications.out);
  ASSERT_GE(expected["items"].size(), 3u);

  testing::ProcessResult list = up.App({"list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(list.out.starts_with("NAME")) << list.out;
  for (const char* column : {"CLUSTER", "NAMESPACE", "STATUS", "HEALTH", "SYNCPOLICY", "CONDITIONS",
                             "REPO", "PATH", "TARGET"}) {
    EXPECT_NE(list.out.substr(0, list.out.find('\n')).find(column), std::string::npos) << column;
  }
  for (const json& item : expected["items"]) {
    std::string name = item["metadata"]["name"];
    EXPECT_NE(list.out.find("converge/" + name + " "), std::string::npos) << list.out;
    EXPECT_NE(list.out.find(item["spec"]["source"]["repoURL"].get<std::string>()),
              std::string::npos);
  }

  testing::ProcessResult list_json = up.App({"list", "-o", "json"});
  ASSERT_EQ(list_json.exit_code, 0) << list_json.err;
  json listed = json::parse(list_json.out);
  std::set<std::string> listed_names, expected_names;
  for (const json& item : listed) listed_names.insert(item["metadata"]["name"]);
  for (const json& item : expected["items"]) expected_names.insert(item["metadata"]["name"]);
  EXPECT_EQ(listed_names, expected_names);

  testing::ProcessResult got = up.App({"get", "plain"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  json plain =
      json::parse(up.Kubectl({"get", "application", "plain", "-n", "converge", "-o", "json"}).out);
  EXPECT_NE(got.out.find("Name:               converge/plain\n"), std::string::npos) << got.out;
  EXPECT_NE(
      got.out.find("Sync Status:        " + plain["status"]["sync"]["status"].get<std::string>()),
      std::string::npos)
      << got.out;
  EXPECT_NE(got.out.find("Health Status:      Healthy"), std::string::npos) << got.out;
  EXPECT_NE(got.out.find("GROUP  KIND"), std::string::npos) << got.out;
  for (const json& resource : plain["status"]["resources"]) {
    EXPECT_NE(got.out.find(resource["kind"].get<std::string>() + "  "), std::string::npos);
    EXPECT_NE(got.out.find(resource["name"].get<std::string>()), std::string::npos);
  }

  testing::ProcessResult yaml = up.App({"get", "plain", "-o", "yaml"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  EXPECT_NE(yaml.out.find("kind: Application\n"), std::string::npos) << yaml.out;

  // The config file `converge up` writes works as well as the flags.
  testing::ProcessResult by_config =
      testing::Run({testing::ConvergeBinary().string(), "app", "list", "--config",
                    (up.data() / "cli-config.yaml").string()});
  EXPECT_EQ(by_config.exit_code, 0) << by_config.err;
  EXPECT_EQ(by_config.out, list.out);

  testing::ProcessResult denied = testing::Run({testing::ConvergeBinary().string(), "app", "list",
                                                "--server", up.server(), "--token", "wrong-token"});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("401"), std::string::npos) << denied.err;
  EXPECT_NE(denied.err.find("--token"), std::string::npos) << denied.err;
  EXPECT_EQ(denied.out, "");

  testing::ProcessResult missing = up.App({"get", "no-such-app"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("404"), std::string::npos) << missing.err;
}

TEST(AppTest, SyncHistoryRollbackAndMaskedDiff) {
  Up up;
  ASSERT_TRUE(up.ready()) << up.log();
  fs::path repo = CreateManualApplication(up);
  std::string first = Trim(Git(repo, {"rev-parse", "HEAD"}).out);

  testing::ProcessResult synced = up.App({"sync", "manual", "--wait", "--timeout", "120s"});
  ASSERT_EQ(synced.exit_code, 0) << synced.out << synced.err;
  EXPECT_NE(synced.out.find("Sync Status:        Synced"), std::string::npos) << synced.out;
  EXPECT_NE(synced.out.find("Health Status:      Healthy"), std::string::npos) << synced.out;
  EXPECT_NE(synced.err.find("ConfigMap"), std::string::npos) << synced.err;  // progress rows
  EXPECT_EQ(LiveValue(up), "first");

  testing::ProcessResult clean = up.App({"diff", "manual"});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_EQ(clean.out, "");

  std::ofstream(repo / "app/manifests.yaml") << AppManifests("second", kDriftBase64);
  ASSERT_EQ(Git(repo, {"commit", "-qam", "second"}).exit_code, 0);
  std::string second = Trim(Git(repo, {"rev-parse", "HEAD"}).out);
  testing::ProcessResult resynced = up.App({"sync", "manual", "--wait", "--timeout", "120s"});
  ASSERT_EQ(resynced.exit_code, 0) << resynced.out << resynced.err;
  EXPECT_EQ(LiveValue(up), "second");

  testing::ProcessResult history = up.App({"history", "manual", "-o", "json"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  json entries = json::parse(history.out);
  ASSERT_EQ(entries.size(), 2u) << history.out;
  EXPECT_EQ(entries[0]["revision"], first);
  EXPECT_EQ(entries[1]["revision"], second);
  testing::ProcessResult table = up.App({"history", "manual"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("SOURCE  file://" + repo.string() + "\nID"), std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("main (" + first.substr(0, 7) + ")"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("main (" + second.substr(0, 7) + ")"), std::string::npos);

  std::string first_id = std::to_string(entries[0]["id"].get<int64_t>());
  testing::ProcessResult rolled =
      up.App({"rollback", "manual", first_id, "--wait", "--timeout", "120s"});
  ASSERT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  EXPECT_EQ(LiveValue(up), "first");

  // The rollback left the older ConfigMap and Secret live: the diff shows both, the Secret's
  // values never.
  testing::ProcessResult diff = up.App({"diff", "manual"});
  EXPECT_EQ(diff.exit_code, 1) << diff.out << diff.err;
  EXPECT_NE(diff.out.find("===== ConfigMap manual/settings ======"), std::string::npos) << diff.out;
  EXPECT_NE(diff.out.find("second"), std::string::npos) << diff.out;
  EXPECT_NE(diff.out.find("===== Secret manual/credentials ======"), std::string::npos) << diff.out;
  EXPECT_NE(diff.out.find("++++++++"), std::string::npos) << diff.out;
  for (const char* secret : {kSecretPlain, kSecretBase64, kDriftPlain, kDriftBase64}) {
    EXPECT_EQ(diff.out.find(secret), std::string::npos) << secret << "\n" << diff.out;
    EXPECT_EQ(diff.err.find(secret), std::string::npos) << secret;
  }

  // Syncing one resource (Argo CD's --resource form) brings that one back and leaves the other.
  testing::ProcessResult one = up.App({"sync", "manual", "--resource", ":ConfigMap:manual/settings",
                                       "--wait", "--timeout", "120s"});
  ASSERT_EQ(one.exit_code, 0) << one.out << one.err;
  EXPECT_EQ(LiveValue(up), "second") << one.out << one.err;
  testing::ProcessResult after_one = up.App({"diff", "manual"});
  EXPECT_EQ(after_one.exit_code, 1) << after_one.out << after_one.err;
  EXPECT_EQ(after_one.out.find("ConfigMap manual/settings"), std::string::npos) << after_one.out;
  EXPECT_NE(after_one.out.find("===== Secret manual/credentials ======"), std::string::npos)
      << after_one.out;
  testing::ProcessResult malformed = up.App({"sync", "manual", "--resource", "ConfigMap/settings"});
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_NE(malformed.err.find("GROUP:KIND:NAME"), std::string::npos) << malformed.err;
}

TEST(AppTest, BadUsageIsExitTwoAndAnUnreachableServerOne) {
  testing::ProcessResult no_server = testing::Run(
      {testing::ConvergeBinary().string(), "app", "list", "--config", "/nonexistent/config"});
  EXPECT_EQ(no_server.exit_code, 2);
  testing::ProcessResult no_name =
      testing::Run({testing::ConvergeBinary().string(), "app", "get", "--server", "http://x:1"});
  EXPECT_EQ(no_name.exit_code, 2);
  EXPECT_NE(no_name.err.find("usage: converge app get NAME"), std::string::npos) << no_name.err;
  testing::ProcessResult bad_id =
      testing::Run({testing::ConvergeBinary().string(), "app", "rollback", "x", "latest",
                    "--server", "http://x:1"});
  EXPECT_EQ(bad_id.exit_code, 2);
  testing::ProcessResult unreachable = testing::Run(
      {testing::ConvergeBinary().string(), "app", "list", "--server", "http://127.0.0.1:1"});
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_NE(unreachable.err.find("cannot connect"), std::string::npos) << unreachable.err;
}

}  // namespace
}  // namespace converge::cli
