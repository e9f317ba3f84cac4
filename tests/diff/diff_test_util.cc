#include "tests/diff/diff_test_util.h"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge::diff::testing {

std::vector<kube::Object> ReadObjects(const std::filesystem::path& path) {
  Result<std::vector<kube::Object>> objects =
      kube::DecodeObjects(converge::testing::ReadFile(path), path.string());
  EXPECT_TRUE(objects.ok()) << objects.status().ToString();
  return objects.ok() ? *objects : std::vector<kube::Object>{};
}

kube::Object ReadObject(const std::filesystem::path& path) {
  std::vector<kube::Object> objects = ReadObjects(path);
  EXPECT_EQ(objects.size(), 1u) << path;
  return objects.empty() ? kube::Object() : objects.front();
}

kube::Object ParseObject(std::string_view yaml) {
  Result<std::vector<kube::Object>> objects = kube::DecodeObjects(yaml, "inline.yaml");
  EXPECT_TRUE(objects.ok()) << objects.status().ToString();
  EXPECT_EQ(objects->size(), 1u);
  return objects->front();
}

std::filesystem::path TestData(std::string_view name) {
  return converge::testing::SourceDir() / "tests/diff/testdata" / name;
}

std::filesystem::path Corpus(std::string_view relative) {
  return converge::testing::CorpusDir() / "gitops" / relative;
}

std::string Dump(const ResourceDiff& resource) {
  std::string out =
      resource.key.ToString() + " " + std::string(SyncStatusName(resource.status)) + "\n";
  for (const Difference& difference : resource.differences) {
    out += difference.path + " desired=" + (difference.desired ? difference.desired->dump() : "-") +
           " live=" + (difference.live ? difference.live->dump() : "-") + "\n";
  }
  out += resource.desired_view.dump() + "\n" + resource.live_view.dump() + "\n";
  out += ResourceText(resource, {});
  out += ResourceText(resource, {.color = true});
  Capture(out);
  return out;
}

std::string Dump(const Report& report) {
  std::string out;
  for (const ResourceDiff& resource : report.resources) out += Dump(resource);
  return out;
}

void Capture(std::string_view text) {
  const char* dir = std::getenv("CONVERGE_CAPTURE_DIR");
  if (dir == nullptr) return;
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name =
      info != nullptr ? std::string(info->test_suite_name()) + "." + info->name() : "outside-tests";
  std::ofstream out(std::filesystem::path(dir) / (name + ".txt"), std::ios::app);
  out << text << "\n";
}

std::vector<std::string> SecretFixtureValues() {
  return {"podinfo-admin-7c41", "Zq8-fixture-pass-51d0e", "fixture-token-9b27a4",
          "rotated-by-hand-0c5e"};
}

}  // namespace converge::diff::testing
