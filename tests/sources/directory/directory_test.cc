// The directory renderer. Semantics follow Argo CD's reposerver (findManifests: filepath.Walk
// order, the .yaml/.yml/.json/.jsonnet filter, include/exclude matched on the path relative to
// the app path with gobwas/glob); values are checked against the Helm oracle in
// tests/kube/yaml_oracle_test.cc and against the real guestbook below.

#include "sources/directory/directory.h"

#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge::sources::directory {
namespace {

std::string ConfigMap(const std::string& name) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n";
}

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("app/b.yaml", ConfigMap("b"));
    dir_.Write("app/a.yml", ConfigMap("a1") + "---\n" + ConfigMap("a2"));
    dir_.Write("app/c.json", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}})");
    dir_.Write("app/README.md", "# not a manifest\n");
    dir_.Write("app/a/nested.yaml", ConfigMap("nested"));
    dir_.Write("app/env-usw2/x.yaml", ConfigMap("usw2"));
    Result<std::unique_ptr<tree::FileTree>> tree = tree::OpenDirectory(dir_.path());
    ASSERT_TRUE(tree.ok());
    tree_ = std::move(*tree);
  }

  std::vector<std::string> Names(const Options& options) {
    Result<std::vector<kube::Object>> objects = Render(*tree_, "app", options);
    EXPECT_TRUE(objects.ok()) << objects.status().message();
    std::vector<std::string> names;
    if (objects.ok()) {
      for (const kube::Object& object : *objects) names.emplace_back(object.Name());
    }
    return names;
  }

  testing::TempDir dir_;
  std::unique_ptr<tree::FileTree> tree_;
};

TEST_F(DirectoryTest, TopLevelFilesInWalkOrder) {
  EXPECT_EQ(Names({}), (std::vector<std::string>{"a1", "a2", "b", "c"}));
}

TEST_F(DirectoryTest, RecurseVisitsDirectoriesWhereTheySort) {
  // filepath.Walk: "a" (a directory) sorts before "a.yml".
  EXPECT_EQ(Names({.recurse = true}),
            (std::vector<std::string>{"nested", "a1", "a2", "b", "c", "usw2"}));
}

TEST_F(DirectoryTest, IncludeAndExcludeUseArgoGlobs) {
  EXPECT_EQ(Names({.recurse = true, .include = {"*.yaml"}}),
            (std::vector<std::string>{"nested", "b", "usw2"}))
      << "without separators `*` crosses directories";
  EXPECT_EQ(Names({.recurse = true, .exclude = {"{c.json,env-usw2/*}"}}),
            (std::vector<std::string>{"nested", "a1", "a2", "b"}));
  EXPECT_EQ(Names({.recurse = true, .include = {"a/*", "b.yaml"}}),
            (std::vector<std::string>{"nested", "b"}));
}

TEST_F(DirectoryTest, BadGlobIsAnError) {
  Result<std::vector<kube::Object>> objects = Render(*tree_, "app", {.include = {"[oops"}});
  ASSERT_FALSE(objects.ok());
  EXPECT_NE(objects.status().message().find("include: glob \"[oops\""), std::string::npos)
      << objects.status().message();
}

TEST_F(DirectoryTest, NonObjectFileIsAnErrorNamingIt) {
  dir_.Write("app/values.yaml", "replicaCount: 1\n");
  Result<std::vector<kube::Object>> objects = Render(*tree_, "app", {});
  ASSERT_FALSE(objects.ok());
  EXPECT_NE(objects.status().message().find("app/values.yaml:1: document 1"), std::string::npos)
      << objects.status().message();
  EXPECT_NE(objects.status().message().find("missing apiVersion"), std::string::npos);
}

TEST_F(DirectoryTest, JsonnetIsRefusedNotIgnored) {
  dir_.Write("app/main.jsonnet", "{}");
  Result<std::vector<kube::Object>> objects = Render(*tree_, "app", {});
  ASSERT_FALSE(objects.ok());
  EXPECT_NE(objects.status().message().find("main.jsonnet"), std::string::npos);
}

TEST_F(DirectoryTest, MissingPathIsNotFound) {
  Result<std::vector<kube::Object>> objects = Render(*tree_, "nope", {});
  ASSERT_FALSE(objects.ok());
  EXPECT_EQ(objects.status().code(), StatusCode::kNotFound);
}

// The Argo CD example guestbook renders to its two objects, and each equals what the Helm oracle
// (sigs.k8s.io/yaml) reads from its file.
TEST(DirectoryCorpusTest, GuestbookMatchesHelmsReading) {
  std::filesystem::path guestbook = testing::CorpusDir() / "gitops/argocd-example-apps/guestbook";
  Result<std::unique_ptr<tree::FileTree>> tree = tree::OpenDirectory(guestbook);
  ASSERT_TRUE(tree.ok()) << tree.status().message();
  Result<std::vector<kube::Object>> objects = Render(**tree, "", {});
  ASSERT_TRUE(objects.ok()) << objects.status().message();
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ(kube::Describe((*objects)[0]), "Deployment/guestbook-ui");
  EXPECT_EQ(kube::Describe((*objects)[1]), "Service/guestbook-ui");
  for (const kube::Object& object : *objects) {
    nlohmann::json oracle = testing::HelmReadValuesFile(testing::ReadFile(object.origin().file));
    ASSERT_TRUE(oracle.contains("json")) << oracle.dump();
    EXPECT_EQ(object.json(), nlohmann::json::parse(oracle["json"].get<std::string>()))
        << object.origin().file;
  }
}

}  // namespace
}  // namespace converge::sources::directory
