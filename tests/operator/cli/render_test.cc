// `converge render` as a user runs it: the real binary on the real corpus. Oracle for the
// objects: Helm 4.1.4 reading each file with sigs.k8s.io/yaml.

#include <gtest/gtest.h>

#include "tests/sources/git/servers.h"
#include "tests/support/support.h"

namespace converge {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

testing::ProcessResult Converge(std::vector<std::string> args) {
  args.insert(args.begin(), testing::ConvergeBinary().string());
  return testing::Run(args);
}

fs::path Guestbook() { return testing::CorpusDir() / "gitops/argocd-example-apps/guestbook"; }

TEST(RenderCommandTest, GuestbookPrintsTwoObjectsAsYaml) {
  testing::ProcessResult run = Converge({"render", Guestbook().string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.find("apiVersion: apps/v1\nkind: Deployment\n"), 0u) << run.out;
  EXPECT_NE(run.out.find("\n---\napiVersion: v1\nkind: Service\n"), std::string::npos) << run.out;
  EXPECT_EQ(run.err, "");
}

TEST(RenderCommandTest, JsonOutputHoldsWhatHelmReads) {
  testing::ProcessResult run = Converge({"render", Guestbook().string(), "-o", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  json list = json::parse(run.out);
  EXPECT_EQ(list["kind"], "List");
  ASSERT_EQ(list["items"].size(), 2u);
  std::vector<std::string> files = {"guestbook-ui-deployment.yaml", "guestbook-ui-svc.yaml"};
  for (size_t i = 0; i < files.size(); ++i) {
    json oracle = testing::HelmReadValuesFile(testing::ReadFile(Guestbook() / files[i]));
    ASSERT_TRUE(oracle.contains("json")) << oracle.dump();
    EXPECT_EQ(list["items"][i], json::parse(oracle["json"].get<std::string>())) << files[i];
  }
}

TEST(RenderCommandTest, YamlAndJsonOutputsHoldTheSameObjects) {
  testing::ProcessResult yaml = Converge({"render", Guestbook().string()});
  testing::ProcessResult json_run = Converge({"render", Guestbook().string(), "--output=json"});
  ASSERT_EQ(yaml.exit_code, 0);
  ASSERT_EQ(json_run.exit_code, 0);
  testing::TempDir dir;
  dir.Write("app/all.yaml", yaml.out);
  testing::ProcessResult again = Converge({"render", (dir.path() / "app").string(), "-o", "json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, json_run.out) << "re-reading our YAML gives the same objects";
}

TEST(RenderCommandTest, BrokenFileFailsNamingFileAndLine) {
  testing::TempDir dir;
  dir.Write("app/ok.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n");
  dir.Write("app/broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   a: b\n");
  testing::ProcessResult run = Converge({"render", (dir.path() / "app").string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "") << "nothing is printed when any file fails";
  EXPECT_NE(run.err.find((dir.path() / "app/broken.yaml").string() + ":5:"), std::string::npos)
      << run.err;
}

TEST(RenderCommandTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Converge({"render"}).exit_code, 2);
  EXPECT_EQ(Converge({"render", ".", "--bogus"}).exit_code, 2);
  EXPECT_EQ(Converge({"render", ".", "-o", "xml"}).exit_code, 2);
  EXPECT_EQ(Converge({"frobnicate"}).exit_code, 2);
  testing::ProcessResult help = Converge({"render", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--recurse"), std::string::npos);
}

TEST(RenderCommandTest, KustomizationsAreBuiltAsKubectlKustomizeDoes) {
  std::string dir = (testing::CorpusDir() / "gitops/podinfo/deploy/overlays/production").string();
  testing::ProcessResult run = Converge({"render", dir});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  testing::ProcessResult kubectl =
      testing::Run({(testing::OracleDir() / "kubectl").string(), "kustomize", dir});
  ASSERT_EQ(kubectl.exit_code, 0) << kubectl.err;
  EXPECT_EQ(run.out, kubectl.out);
}

TEST(RenderCommandTest, KustomizeAndHelmSourcesAreNotMistakenForPlainDirectories) {
  testing::ProcessResult run =
      Converge({"render", (testing::CorpusDir() / "gitops/podinfo/charts/podinfo").string()});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("# Source: podinfo/templates/deployment.yaml"), std::string::npos)
      << "rendered as a chart, not read as plain manifests";
  testing::ProcessResult forced =
      Converge({"render", (testing::CorpusDir() / "kustomize/helloWorld").string(), "--source-type",
                "directory", "--exclude", "kustomization.yaml"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
}

TEST(RenderCommandTest, JsonLogsGoToStderr) {
  testing::ProcessResult run =
      Converge({"render", Guestbook().string(), "--log-level", "debug", "--log-format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_FALSE(run.err.empty());
  size_t newline = run.err.find('\n');
  json record = json::parse(run.err.substr(0, newline));
  EXPECT_EQ(record["level"], "debug");
  EXPECT_TRUE(record.contains("time"));
  EXPECT_TRUE(record.contains("msg"));
}

}  // namespace
}  // namespace converge

namespace converge {
namespace {

// `converge render --repo` against a real `git daemon`: the objects equal those rendered from
// the same files on disk, and the revision printed is the one the git CLI names.
TEST(RenderCommandTest, RendersFromAGitRepository) {
  testing::TempDir dir;
  fs::create_directories(dir.path() / "repos");
  testing::Upstream upstream(dir.path() / "repos", "app");
  std::map<std::string, std::string> files;
  for (const char* name : {"guestbook-ui-deployment.yaml", "guestbook-ui-svc.yaml"}) {
    files[std::string("apps/guestbook/") + name] = testing::ReadFile(Guestbook() / name);
  }
  std::string head = upstream.Commit(files, "guestbook");
  upstream.Run({"tag", "v1.0.0"});
  upstream.Run({"push", "-q", "origin", "v1.0.0"});
  testing::GitDaemon daemon(dir.path() / "repos");
  std::string cache = (dir.path() / "cache").string();

  testing::ProcessResult from_disk = Converge({"render", Guestbook().string()});
  testing::ProcessResult from_git = Converge(
      {"render", "--repo", daemon.Url("app"), "--path", "apps/guestbook", "--cache-dir", cache});
  ASSERT_EQ(from_git.exit_code, 0) << from_git.err;
  EXPECT_EQ(from_git.out, from_disk.out);
  EXPECT_EQ(from_git.err, "revision: main@sha1:" + head + "\n");

  testing::ProcessResult tagged =
      Converge({"render", "--repo", daemon.Url("app"), "--revision", "^1", "--path",
                "apps/guestbook", "--cache-dir", cache, "-o", "json"});
  ASSERT_EQ(tagged.exit_code, 0) << tagged.err;
  EXPECT_EQ(tagged.err, "revision: v1.0.0@sha1:" + head + "\n");

  testing::ProcessResult missing =
      Converge({"render", "--repo", daemon.Url("app"), "--revision", "nope", "--cache-dir", cache});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("\"nope\" not found"), std::string::npos) << missing.err;
  EXPECT_EQ(Converge({"render", ".", "--repo", daemon.Url("app")}).exit_code, 2);
}

// A kustomization in a Git repository builds as kubectl kustomize builds the same files.
TEST(RenderCommandTest, BuildsAKustomizationFromAGitRepository) {
  testing::TempDir dir;
  fs::create_directories(dir.path() / "repos");
  testing::Upstream upstream(dir.path() / "repos", "app");
  fs::path hello = testing::CorpusDir() / "kustomize/helloWorld";
  std::map<std::string, std::string> files;
  for (const char* name :
       {"kustomization.yaml", "configMap.yaml", "deployment.yaml", "service.yaml"}) {
    files[std::string("hello/") + name] = testing::ReadFile(hello / name);
  }
  upstream.Commit(files, "hello");
  testing::GitDaemon daemon(dir.path() / "repos");
  testing::ProcessResult from_git =
      Converge({"render", "--repo", daemon.Url("app"), "--path", "hello", "--cache-dir",
                (dir.path() / "cache").string()});
  ASSERT_EQ(from_git.exit_code, 0) << from_git.err;
  testing::ProcessResult kubectl =
      testing::Run({(testing::OracleDir() / "kubectl").string(), "kustomize", hello.string()});
  ASSERT_EQ(kubectl.exit_code, 0) << kubectl.err;
  EXPECT_EQ(from_git.out, kubectl.out);
}

}  // namespace
}  // namespace converge
