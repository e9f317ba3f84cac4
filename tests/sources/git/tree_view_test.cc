// The tree view of a commit: listing, reading, subtree ids, links and limits. Expected object
// ids come from the git CLI.
#include <gtest/gtest.h>

#include "sources/directory/directory.h"
#include "sources/git/git.h"
#include "tests/sources/git/servers.h"

namespace converge::sources::git {
namespace {

namespace fs = std::filesystem;

class TreeViewTest : public ::testing::Test {
 protected:
  TreeViewTest() : repos_(dir_.path() / "repos") {
    fs::create_directories(repos_);
    upstream_ = std::make_unique<testing::Upstream>(repos_, "app");
    daemon_ = std::make_unique<testing::GitDaemon>(repos_);
  }

  Result<std::unique_ptr<TreeView>> View(const std::string& path, Options options = {}) {
    options.cache_dir = dir_.path() / "cache";
    mirror_ = std::make_unique<Mirror>(options);
    Result<Commit> commit = mirror_->Resolve(daemon_->Url("app"), "main");
    if (!commit.ok()) return commit.status();
    return mirror_->Tree(*commit, path);
  }

  testing::TempDir dir_;
  fs::path repos_;
  std::unique_ptr<testing::Upstream> upstream_;
  std::unique_ptr<testing::GitDaemon> daemon_;
  std::unique_ptr<Mirror> mirror_;
};

TEST_F(TreeViewTest, ListsReadsAndNamesSubtrees) {
  upstream_->Commit({{"apps/web/deploy.yaml", "kind: Deployment\n"},
                     {"apps/web/svc.yaml", "kind: Service\n"},
                     {"apps/web-copy/deploy.yaml", "kind: Deployment\n"},
                     {"apps/web-copy/svc.yaml", "kind: Service\n"},
                     {"apps/web.txt", "sorts between web and web-copy in git's order\n"},
                     {"README.md", "# app\n"}},
                    "layout");
  Result<std::unique_ptr<TreeView>> view = View("");
  ASSERT_TRUE(view.ok()) << view.status().message();
  const TreeView& tree = **view;

  Result<std::vector<tree::Entry>> apps = tree.List("apps");
  ASSERT_TRUE(apps.ok()) << apps.status().message();
  std::vector<std::string> names;
  for (const tree::Entry& entry : *apps) names.push_back(entry.name);
  EXPECT_EQ(names, (std::vector<std::string>{"web", "web-copy", "web.txt"}));
  EXPECT_EQ((*apps)[0].type, tree::EntryType::kDirectory);
  EXPECT_EQ((*apps)[2].type, tree::EntryType::kFile);

  EXPECT_EQ(*tree.Read("apps/web/svc.yaml"), "kind: Service\n");
  EXPECT_EQ(*tree.Read("./apps//web/../web/svc.yaml"), "kind: Service\n");
  EXPECT_EQ(tree.Read("apps/web").status().code(), StatusCode::kInvalid);
  EXPECT_EQ(tree.List("README.md").status().code(), StatusCode::kInvalid);
  EXPECT_EQ(tree.Read("apps/nope.yaml").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*tree.Stat("apps/web"), tree::EntryType::kDirectory);

  EXPECT_EQ(*tree.ObjectId("apps/web"), upstream_->Run({"rev-parse", "HEAD:apps/web"}));
  EXPECT_EQ(*tree.ObjectId("apps/web"), *tree.ObjectId("apps/web-copy"));
  EXPECT_EQ(*tree.ObjectId(""), upstream_->Run({"rev-parse", "HEAD^{tree}"}));

  Result<std::string> up = tree.Read("../etc/passwd");
  EXPECT_EQ(up.status().code(), StatusCode::kInvalid);
  EXPECT_FALSE(tree.Read("/etc/passwd").ok());
  EXPECT_EQ(tree.Describe("apps/web/svc.yaml"), daemon_->Url("app") + "@main:apps/web/svc.yaml");

  // A subtree view sees paths relative to it, and the directory renderer reads it.
  Result<std::unique_ptr<TreeView>> web = mirror_->Tree(tree.commit(), "apps/web");
  ASSERT_TRUE(web.ok());
  EXPECT_EQ(*(*web)->Read("deploy.yaml"), "kind: Deployment\n");
  EXPECT_FALSE((*web)->Read("../web.txt").ok()) << "a view does not climb above its root";
  EXPECT_EQ(mirror_->Tree(tree.commit(), "apps/missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(mirror_->Tree(tree.commit(), "README.md").status().code(), StatusCode::kInvalid);
}

TEST_F(TreeViewTest, FollowsLinksInsideTheRepositoryOnly) {
  upstream_->Link("apps/base", "../shared/base");
  upstream_->Link("apps/cm.yaml", "../shared/base/cm.yaml");
  upstream_->Link("apps/passwd", "../../../../etc/passwd");
  upstream_->Link("apps/absolute", "/etc/passwd");
  upstream_->Link("apps/loop-a", "loop-b");
  upstream_->Link("apps/loop-b", "loop-a");
  upstream_->Link("apps/dangling", "nothing-here");
  upstream_->Commit({{"shared/base/cm.yaml", "kind: ConfigMap\n"}}, "links");

  Result<std::unique_ptr<TreeView>> view = View("apps");
  ASSERT_TRUE(view.ok()) << view.status().message();
  const TreeView& tree = **view;
  EXPECT_EQ(*tree.Read("cm.yaml"), "kind: ConfigMap\n");
  EXPECT_EQ(*tree.Read("base/cm.yaml"), "kind: ConfigMap\n");
  EXPECT_EQ(*tree.Stat("base"), tree::EntryType::kDirectory);

  for (std::string link : {"passwd", "absolute"}) {
    Result<std::string> escaped = tree.Read(link);
    ASSERT_FALSE(escaped.ok()) << link;
    EXPECT_EQ(escaped.status().code(), StatusCode::kInvalid);
    EXPECT_NE(escaped.status().message().find("apps/" + link), std::string::npos)
        << escaped.status().message();
    EXPECT_NE(escaped.status().message().find("leaves the repository"), std::string::npos)
        << escaped.status().message();
  }
  Result<std::string> loop = tree.Read("loop-a");
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.status().message().find("link loop"), std::string::npos)
      << loop.status().message();
  EXPECT_EQ(tree.Read("dangling").status().code(), StatusCode::kNotFound);
  // Listing a directory with an escaping link is an error naming it, as for a directory on disk.
  Result<std::vector<tree::Entry>> listed = tree.List("");
  ASSERT_FALSE(listed.ok());
  EXPECT_NE(listed.status().message().find("leaves the repository"), std::string::npos);
}

TEST_F(TreeViewTest, EnforcesSizeLimits) {
  upstream_->Commit({{"small.yaml", std::string(100, 'a')},
                     {"big.yaml", std::string(5000, 'b')},
                     {"other.yaml", std::string(900, 'c')}},
                    "sizes");
  Result<std::unique_ptr<TreeView>> view =
      View("", Options{.max_file_bytes = 1000, .max_total_bytes = 1050});
  ASSERT_TRUE(view.ok());
  Result<std::string> big = (*view)->Read("big.yaml");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(
      big.status().message().find("big.yaml: file is 5000 bytes, more than the limit of 1000"),
      std::string::npos)
      << big.status().message();
  EXPECT_TRUE((*view)->Read("small.yaml").ok());
  EXPECT_TRUE((*view)->Read("other.yaml").ok());
  Result<std::string> over = (*view)->Read("small.yaml");
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("limit of 1050 bytes"), std::string::npos)
      << over.status().message();
}

TEST_F(TreeViewTest, RendersManifestsStraightFromGit) {
  upstream_->Commit(
      {{"deploy/a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"},
       {"deploy/b.json", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}})"}},
      "manifests");
  Result<std::unique_ptr<TreeView>> view = View("deploy");
  ASSERT_TRUE(view.ok());
  Result<std::vector<kube::Object>> objects = directory::Render(**view, "", {});
  ASSERT_TRUE(objects.ok()) << objects.status().message();
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*objects)[0].Name(), "a");
  EXPECT_EQ((*objects)[1].Name(), "b");
}

}  // namespace
}  // namespace converge::sources::git
