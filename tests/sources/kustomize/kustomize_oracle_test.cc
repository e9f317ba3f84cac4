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

namespace converge::sources::kustomize::suite {
namespace {

// Argo CD's overrides equal kubectl kustomize on the kustomization `kustomize edit` would
// leave behind.
TEST(OverridesTest, MatchKubectlOnTheEditedKustomization) {
  const std::string deployment =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 1\n"
      "  selector:\n    matchLabels:\n      app: app\n  template:\n    metadata:\n      labels:\n"
      "        app: app\n    spec:\n      containers:\n      - name: app\n        image: "
      "nginx:1.25\n"
      "      - name: side\n        image: busybox\n";
  const std::string component =
      "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n"
      "  from: component\n";
  converge::testing::TempDir original;
  original.Write("kustomization.yaml",
                 "namePrefix: old-\nimages:\n- name: busybox\n  newTag: \"1.0\"\n"
                 "commonLabels:\n  team: a\nresources:\n- d.yaml\n");
  original.Write("d.yaml", deployment);
  original.Write("comp/kustomization.yaml", component);
  converge::testing::TempDir edited;
  edited.Write("kustomization.yaml",
               "namePrefix: new-\nnameSuffix: -s\nnamespace: argo\nimages:\n- name: busybox\n"
               "  newName: mirror/busybox\n  newTag: \"2.0\"\n- name: nginx\n  newTag: \"1.27\"\n"
               "commonLabels:\n  team: b\n  env: prod\ncommonAnnotations:\n  note: argo\n"
               "replicas:\n- name: app\n  count: 3\npatches:\n- target:\n    kind: Deployment\n"
               "  patch: |-\n    - op: add\n      path: /metadata/annotations\n"
               "      value: {patched: \"yes\"}\ncomponents:\n- comp\nresources:\n- d.yaml\n");
  edited.Write("d.yaml", deployment);
  edited.Write("comp/kustomization.yaml", component);

  Overrides overrides{
      .name_prefix = "new-",
      .name_suffix = "-s",
      .namespace_ = "argo",
      .images = {"busybox=mirror/busybox:2.0", "nginx:1.27"},
      .common_labels = {{"team", "b"}, {"env", "prod"}},
      .common_annotations = {{"note", "argo"}},
      .replicas = nlohmann::json::array({{{"name", "app"}, {"count", 3}}}),
      .patches = nlohmann::json::array(
          {{{"target", {{"kind", "Deployment"}}},
            {"patch", "- op: add\n  path: /metadata/annotations\n  value: {patched: \"yes\"}"}}}),
      .components = {"comp"},
  };
  Result<std::unique_ptr<tree::FileTree>> tree = tree::OpenDirectory(original.path());
  ASSERT_TRUE(tree.ok());
  Result<std::vector<kube::Object>> ours = Build(**tree, "", Options{.overrides = overrides});
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  converge::testing::ProcessResult kubectl = converge::testing::Run(
      {(converge::testing::OracleDir() / "kubectl").string(), "kustomize", edited.path().string()});
  ASSERT_EQ(kubectl.exit_code, 0) << kubectl.err;
  EXPECT_EQ(Print(*ours), kubectl.out);
}

}  // namespace
}  // namespace converge::sources::kustomize::suite
