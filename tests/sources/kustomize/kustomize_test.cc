// The feature suite: every case under cases/ is built in-process and compared byte for byte
// with what kubectl kustomize printed for it (cached in the case; kustomize_oracle_test checks
// the cache against the real kubectl).

#include "sources/kustomize/kustomize.h"

#include <gtest/gtest.h>

#include "tests/sources/kustomize/cases.h"

namespace converge::sources::kustomize::suite {
namespace {

Outcome BuildInProcess(const Case& c, const std::filesystem::path& root) {
  Result<std::unique_ptr<tree::FileTree>> tree = tree::OpenDirectory(root);
  if (!tree.ok()) return Outcome{.failed = true, .text = tree.status().message()};
  std::string dir = c.dir == "." ? "" : c.dir;
  Result<std::vector<kube::Object>> objects =
      Build(**tree, dir, Options{.display_root = root.string()});
  if (!objects.ok()) {
    return Outcome{.failed = true, .text = FirstLine(objects.status().message(), root.string())};
  }
  return Outcome{.failed = false, .text = Print(*objects)};
}

class FeatureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FeatureTest, MatchesKubectlKustomize) {
  Case c = LoadCase(GetParam());
  converge::testing::TempDir dir;
  Materialize(c, dir);
  std::filesystem::path root = std::filesystem::canonical(dir.path());
  Outcome got = BuildInProcess(c, root);
  EXPECT_EQ(got.failed, c.expected.failed) << got.text;
  EXPECT_EQ(got.text, c.expected.text);
}

INSTANTIATE_TEST_SUITE_P(Cases, FeatureTest, ::testing::ValuesIn(CaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = param_info.param;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

// kubectl's message for a remote base depends on the network; ours refuses before any access.
TEST(RemoteTest, RemoteBasesAreRefusedClearly) {
  for (const char* entry : {"https://github.com/org/repo//base?ref=v1", "github.com/org/repo/base",
                            "git::https://example.com/repo.git", "git@github.com:org/repo.git",
                            "ssh://git@example.com/repo.git"}) {
    converge::testing::TempDir dir;
    dir.Write("kustomization.yaml", std::string("resources:\n- ") + entry + "\n");
    Result<std::unique_ptr<tree::FileTree>> tree = tree::OpenDirectory(dir.path());
    ASSERT_TRUE(tree.ok());
    Result<std::vector<kube::Object>> objects = Build(**tree, "", Options{});
    ASSERT_FALSE(objects.ok()) << entry;
    EXPECT_NE(objects.status().message().find("remote resources are not supported"),
              std::string::npos)
        << objects.status().message();
    EXPECT_NE(objects.status().message().find(entry), std::string::npos);
  }
}

// kustomize would run `helm pull` for a chart missing under chartHome; we never download.
TEST(HelmChartsTest, ChartsAreNeverPulled) {
  converge::testing::TempDir dir;
  dir.Write("kustomization.yaml",
            "helmCharts:\n- name: app\n  version: 1.0.0\n  repo: https://charts.example.com\n");
  dir.Write("charts/app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n");
  Result<std::unique_ptr<tree::FileTree>> tree = tree::OpenDirectory(dir.path());
  ASSERT_TRUE(tree.ok());
  Result<std::vector<kube::Object>> objects = Build(**tree, "", Options{});
  ASSERT_FALSE(objects.ok());
  const std::string& message = objects.status().message();
  EXPECT_NE(message.find("does not pull charts"), std::string::npos) << message;
  EXPECT_NE(message.find("https://charts.example.com"), std::string::npos) << message;
  EXPECT_NE(message.find("charts/app-1.0.0/app"), std::string::npos) << message;
}

}  // namespace
}  // namespace converge::sources::kustomize::suite
