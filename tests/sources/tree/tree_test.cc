#include "sources/tree/tree.h"

#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge::sources::tree {
namespace {

namespace fs = std::filesystem;

TEST(TreeTest, CleansRelativePaths) {
  EXPECT_EQ(*CleanRelative("./a//b/"), "a/b");
  EXPECT_EQ(*CleanRelative("a/../b"), "b");
  EXPECT_EQ(*CleanRelative("."), "");
  EXPECT_EQ(*CleanRelative(""), "");
  EXPECT_FALSE(CleanRelative("../x").ok());
  EXPECT_FALSE(CleanRelative("/etc").ok());
  EXPECT_EQ(Join("", "a"), "a");
  EXPECT_EQ(Join("a", "b"), "a/b");
}

TEST(DiskTreeTest, ListsSortedAndReads) {
  testing::TempDir dir;
  dir.Write("root/b.yaml", "b");
  dir.Write("root/a.yaml", "a");
  dir.Write("root/sub/c.yaml", "c");
  Result<std::unique_ptr<FileTree>> tree = OpenDirectory(dir.path() / "root");
  ASSERT_TRUE(tree.ok()) << tree.status().message();
  Result<std::vector<Entry>> entries = (*tree)->List("");
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].name, "a.yaml");
  EXPECT_EQ((*entries)[2].name, "sub");
  EXPECT_EQ((*entries)[2].type, EntryType::kDirectory);
  EXPECT_EQ(*(*tree)->Read("sub/c.yaml"), "c");
  EXPECT_EQ((*tree)->Read("nope.yaml").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*tree)->Read("sub").status().code(), StatusCode::kInvalid);
  EXPECT_EQ((*tree)->List("a.yaml").status().code(), StatusCode::kInvalid);
  EXPECT_FALSE((*tree)->Read("../outside").ok());
}

TEST(DiskTreeTest, FollowsLinksInsideButNotOutside) {
  testing::TempDir dir;
  dir.Write("secret.txt", "host secret");
  dir.Write("root/real.yaml", "inside");
  fs::create_symlink(dir.path() / "root/real.yaml", dir.path() / "root/link.yaml");
  fs::create_symlink(dir.path() / "secret.txt", dir.path() / "root/escape.yaml");
  Result<std::unique_ptr<FileTree>> tree = OpenDirectory(dir.path() / "root");
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ(*(*tree)->Read("link.yaml"), "inside");
  Result<std::string> escaped = (*tree)->Read("escape.yaml");
  ASSERT_FALSE(escaped.ok());
  EXPECT_NE(escaped.status().message().find("escape.yaml"), std::string::npos);
  EXPECT_EQ(escaped.status().message().find("host secret"), std::string::npos);
  EXPECT_FALSE((*tree)->List("").ok()) << "listing refuses to name a link leaving the tree";
}

// Relative links take the kernel's beneath-the-root lookup; links it refuses (leaving the root
// and coming back) are still decided by canonical paths.
TEST(DiskTreeTest, RelativeLinksResolveWithinTheRoot) {
  testing::TempDir dir;
  dir.Write("secret.txt", "host secret");
  dir.Write("root/sub/real.yaml", "inside");
  fs::create_symlink("sub", dir.path() / "root/dir-link");
  fs::create_symlink("../root/sub/real.yaml", dir.path() / "root/round-trip.yaml");
  Result<std::unique_ptr<FileTree>> tree = OpenDirectory(dir.path() / "root");
  ASSERT_TRUE(tree.ok());
  Result<std::vector<Entry>> entries = (*tree)->List("");
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].name, "dir-link");
  EXPECT_EQ((*entries)[0].type, EntryType::kDirectory);
  EXPECT_EQ((*entries)[1].name, "round-trip.yaml");
  EXPECT_EQ((*entries)[1].type, EntryType::kFile);
  EXPECT_EQ(*(*tree)->Read("dir-link/real.yaml"), "inside");
  EXPECT_EQ(*(*tree)->Read("round-trip.yaml"), "inside");
  EXPECT_EQ((*tree)->Read("dir-link").status().code(), StatusCode::kInvalid);

  fs::create_symlink("../secret.txt", dir.path() / "root/sub/escape.yaml");
  Result<std::string> escaped = (*tree)->Read("dir-link/escape.yaml");
  ASSERT_FALSE(escaped.ok());
  EXPECT_EQ(escaped.status().message().find("host secret"), std::string::npos);
  EXPECT_FALSE((*tree)->List("sub").ok());
}

TEST(DiskTreeTest, DescribesPathsAsGiven) {
  testing::TempDir dir;
  dir.Write("root/a.yaml", "a");
  Result<std::unique_ptr<FileTree>> tree = OpenDirectory(dir.path() / "root");
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ((*tree)->Describe("a.yaml"), (dir.path() / "root/a.yaml").string());
  EXPECT_FALSE(OpenDirectory(dir.path() / "missing").ok());
  EXPECT_FALSE(OpenDirectory(dir.path() / "root/a.yaml").ok());
}

}  // namespace
}  // namespace converge::sources::tree
