// `converge render` of Helm charts from a Git repository served by a real `git daemon` (a tree
// view, no checkout) prints what `helm4 template` prints for the same chart on disk.

#include <gtest/gtest.h>

#include "tests/sources/git/servers.h"
#include "tests/support/support.h"

namespace converge {
namespace {

namespace fs = std::filesystem;

testing::ProcessResult Converge(std::vector<std::string> args) {
  args.insert(args.begin(), testing::ConvergeBinary().string());
  return testing::Run(args);
}

// podinfo's test hooks carry random names, so both sides leave tests out.
testing::ProcessResult Helm(const fs::path& chart) {
  setenv("TZ", "UTC", 1);
  return testing::Run({(testing::OracleDir() / "helm4").string(), "template", "rel", chart.string(),
                       "--skip-tests"});
}

// Every file under `dir`, keyed by `prefix/relative path`.
void AddFiles(const fs::path& dir, const std::string& prefix,
              std::map<std::string, std::string>& files) {
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    files[prefix + "/" + entry.path().lexically_relative(dir).string()] =
        testing::ReadFile(entry.path());
  }
}

TEST(RenderHelmTest, ChartsFromAGitRepositoryMatchHelm) {
  const fs::path gitops = testing::CorpusDir() / "gitops";
  const std::vector<std::pair<std::string, fs::path>> charts = {
      {"podinfo", gitops / "podinfo/charts/podinfo"},
      {"helm-guestbook", gitops / "argocd-example-apps/helm-guestbook"},
      {"helm-dependency", gitops / "argocd-example-apps/helm-dependency"},
  };
  testing::TempDir dir;
  fs::create_directories(dir.path() / "repos");
  testing::Upstream upstream(dir.path() / "repos", "charts");
  std::map<std::string, std::string> files;
  for (const auto& [name, path] : charts) AddFiles(path, "apps/" + name, files);
  upstream.Commit(files, "charts");
  testing::GitDaemon daemon(dir.path() / "repos");
  std::string cache = (dir.path() / "cache").string();

  for (const auto& [name, path] : charts) {
    testing::ProcessResult helm = Helm(path);
    testing::ProcessResult ours =
        Converge({"render", "--repo", daemon.Url("charts"), "--path", "apps/" + name, "--cache-dir",
                  cache, "--release-name", "rel", "--skip-tests"});
    EXPECT_EQ(ours.exit_code == 0, helm.exit_code == 0) << name << ": " << ours.err;
    EXPECT_EQ(ours.out, helm.out) << name;
    if (helm.exit_code != 0) {
      // helm-dependency lists a dependency that charts/ lacks: the same refusal.
      std::string reason = "found in Chart.yaml, but missing in charts/ directory: wordpress";
      EXPECT_NE(helm.err.find(reason), std::string::npos) << helm.err;
      EXPECT_NE(ours.err.find(reason), std::string::npos) << ours.err;
    }
  }
}

TEST(RenderHelmTest, ArchiveAndFlagsMatchHelm) {
  const fs::path chart = testing::CorpusDir() / "helm-testcharts/oci-dependent-chart-0.1.0.tgz";
  testing::ProcessResult helm =
      testing::Run({(testing::OracleDir() / "helm4").string(), "template", "rel", chart.string(),
                    "-n", "ns", "--set", "name=x", "--show-only", "templates/*"});
  testing::ProcessResult ours = Converge({"render", chart.string(), "--release-name", "rel", "-n",
                                          "ns", "--set", "name=x", "--show-only", "templates/*"});
  ASSERT_EQ(helm.exit_code, 0) << helm.err;
  ASSERT_EQ(ours.exit_code, 0) << ours.err;
  EXPECT_EQ(ours.out, helm.out);
}

TEST(RenderHelmTest, MissingShowOnlyTemplateFailsAsHelmDoes) {
  const fs::path chart = testing::CorpusDir() / "helm-testcharts/alpine";
  testing::ProcessResult ours =
      Converge({"render", chart.string(), "--show-only", "templates/nope.yaml"});
  EXPECT_EQ(ours.exit_code, 1);
  EXPECT_NE(ours.err.find("could not find template templates/nope.yaml in chart"),
            std::string::npos)
      << ours.err;
}

}  // namespace
}  // namespace converge
