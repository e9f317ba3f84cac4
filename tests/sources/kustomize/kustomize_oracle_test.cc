// Runs the real kubectl kustomize: the feature suite's cached outputs must still be what it
// prints (CONVERGE_UPDATE_EXPECTED=1 rewrites them instead), and every kustomization of the
// shared corpus must build byte-identical to it in-process, or fail as it does.

#include <cstdlib>
#include <iostream>

#include <gtest/gtest.h>

#include "sources/kustomize/kustomize.h"
#include "tests/sources/kustomize/cases.h"

namespace converge::sources::kustomize::suite {
namespace {

TEST(OracleTest, CachedOutputsAreKubectls) {
  bool update = std::getenv("CONVERGE_UPDATE_EXPECTED") != nullptr;
  for (const std::string& name : CaseNames()) {
    Case c = LoadCase(name);
    converge::testing::TempDir dir;
    Materialize(c, dir);
    Outcome kubectl = RunKubectl(c, std::filesystem::canonical(dir.path()));
    if (update) {
      c.expected = kubectl;
      SaveCase(c);
      continue;
    }
    EXPECT_EQ(c.expected.failed, kubectl.failed) << name;
    EXPECT_EQ(c.expected.text, kubectl.text) << name << " drifted from kubectl kustomize";
  }
}

std::vector<std::filesystem::path> CorpusKustomizations() {
  std::vector<std::filesystem::path> dirs;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(converge::testing::CorpusDir())) {
    std::string name = entry.path().filename().string();
    if (name == "kustomization.yaml" || name == "kustomization.yml" || name == "Kustomization") {
      dirs.push_back(entry.path().parent_path());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

TEST(CorpusTest, EveryKustomizationBuildsAsKubectlDoes) {
  Result<std::unique_ptr<tree::FileTree>> root = tree::OpenDirectory("/");
  ASSERT_TRUE(root.ok()) << root.status().message();
  std::vector<std::filesystem::path> dirs = CorpusKustomizations();
  ASSERT_GE(dirs.size(), 37u);
  int identical = 0;
  for (const std::filesystem::path& dir : dirs) {
    converge::testing::ProcessResult kubectl = converge::testing::Run(
        {(converge::testing::OracleDir() / "kubectl").string(), "kustomize", dir.string()});
    Result<std::vector<kube::Object>> ours =
        Build(**root, dir.relative_path().string(), Options{.display_root = "/"});
    if (kubectl.exit_code != 0) {
      EXPECT_FALSE(ours.ok()) << dir << " builds, but kubectl fails: " << kubectl.err;
      if (!ours.ok()) ++identical;
      continue;
    }
    ASSERT_TRUE(ours.ok()) << dir << ": " << ours.status().message();
    EXPECT_EQ(Print(*ours), kubectl.out) << dir;
    if (Print(*ours) == kubectl.out) ++identical;
  }
  std::cout << "corpus: " << identical << " of " << dirs.size()
            << " kustomizations identical to kubectl kustomize\n";
}

}  // namespace
}  // namespace converge::sources::kustomize::suite
