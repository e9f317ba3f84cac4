// The render cache: a commit re-renders an Application only when it changed something the
// render read.
#include "operator/controller/render.h"

#include <gtest/gtest.h>

#include "tests/sources/git/servers.h"
#include "tests/support/support.h"

namespace converge::controller {
namespace {

std::string ConfigMap(const std::string& name, const std::string& value) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  v: \"" +
         value + "\"\n";
}

TEST(RenderCacheTest, RerendersOnlyWhenWhatItReadChanged) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "repos");
  testing::Upstream upstream(dir.path() / "repos", "mono");
  upstream.Commit(
      {{"apps/a/cm.yaml", ConfigMap("a", "1")}, {"apps/b/cm.yaml", ConfigMap("b", "1")}}, "both");
  sources::git::Mirror mirror({.cache_dir = dir.path() / "cache"});
  Result<app::Spec> spec = app::ParseSpec(nlohmann::json::parse(
      R"({"source": {"repoURL": "file://)" + upstream.bare().string() +
      R"(", "path": "apps/a"}, "destination": {"name": "in-cluster", "namespace": "x"}})"));
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  RenderCache cache;

  Result<Rendered> first = cache.Render(mirror, *spec, "a");
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_EQ(first->objects.size(), 1u);
  EXPECT_EQ(first->objects[0].json()["data"]["v"], "1");
  EXPECT_EQ(cache.stats().renders, 1u);

  upstream.Commit({{"apps/b/cm.yaml", ConfigMap("b", "2")}}, "b only");
  Result<Rendered> second = cache.Render(mirror, *spec, "a");
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->revisions[0].sha, upstream.RevParse("HEAD")) << "the new commit is resolved";
  EXPECT_EQ(cache.stats().renders, 1u) << "another folder's change costs no render";
  EXPECT_EQ(cache.stats().hits, 1u);

  upstream.Commit({{"apps/a/cm.yaml", ConfigMap("a", "2")}}, "a");
  Result<Rendered> third = cache.Render(mirror, *spec, "a");
  ASSERT_TRUE(third.ok()) << third.status().message();
  EXPECT_EQ(third->objects[0].json()["data"]["v"], "2");
  EXPECT_EQ(cache.stats().renders, 2u);

  upstream.Commit({{"apps/a/new.yaml", ConfigMap("a2", "1")}}, "a file added");
  Result<Rendered> fourth = cache.Render(mirror, *spec, "a");
  ASSERT_TRUE(fourth.ok()) << fourth.status().message();
  EXPECT_EQ(fourth->objects.size(), 2u);
  EXPECT_EQ(cache.stats().renders, 3u);
}

}  // namespace
}  // namespace converge::controller
