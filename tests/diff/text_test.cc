#include <random>

#include <gtest/gtest.h>

#include "diff/diff.h"
#include "tests/diff/diff_test_util.h"
#include "tests/support/support.h"

namespace converge::diff {
namespace {

using converge::testing::TempDir;

// Our hunks after the two header lines, and GNU diff -u's (whose headers carry timestamps).
std::string Body(const std::string& unified) {
  size_t first = unified.find('\n');
  size_t second = unified.find('\n', first + 1);
  return second == std::string::npos ? "" : unified.substr(second + 1);
}

converge::testing::ProcessResult GnuDiff(const TempDir& dir, const std::string& a,
                                         const std::string& b) {
  return converge::testing::Run(
      {"/usr/bin/diff", "-u", dir.Write("a", a).string(), dir.Write("b", b).string()});
}

TEST(TextTest, SameHunksAsDiffU) {
  const std::pair<std::string, std::string> cases[] = {
      {"a\nb\nc\n", "a\nB\nc\n"},
      {"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n"},
      {"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n",
       "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\nEIGHTEEN\n19\n20\n"},
      {"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "1\n2\nthree\n4\n5\n6\n7\n8\nnine\n10\n"},
      {"", "new\nfile\n"},
      {"old\nfile\n", ""},
      {"a\nb\n", "a\nb"},
      {"a\nb", "a\nc"},
      {"x\n", "y"},
      {"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: \"1\"\n  b: \"2\"\n",
       "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: \"1\"\n  c: \"3\"\n"},
  };
  TempDir dir;
  for (const auto& [a, b] : cases) {
    std::string ours = UnifiedDiff(a, b, "a", "b", {});
    converge::testing::ProcessResult gnu = GnuDiff(dir, a, b);
    ASSERT_EQ(gnu.exit_code, 1) << gnu.err;
    EXPECT_EQ(ours.substr(0, 12), "--- a\n+++ b\n");
    EXPECT_EQ(Body(ours), Body(gnu.out)) << "a:\n" << a << "b:\n" << b;
  }
  EXPECT_EQ(UnifiedDiff("same\n", "same\n", "a", "b", {}), "");
}

TEST(TextTest, ContextWidthFollowsDiffU) {
  std::string a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
  std::string b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
  TempDir dir;
  converge::testing::ProcessResult gnu = converge::testing::Run(
      {"/usr/bin/diff", "-U1", dir.Write("a", a).string(), dir.Write("b", b).string()});
  EXPECT_EQ(Body(UnifiedDiff(a, b, "a", "b", {.context = 1})), Body(gnu.out));
}

// Where several minimal diffs exist the hunks may differ from GNU diff's; what must hold is
// that patch(1) turns a into b with our diff.
TEST(TextTest, PatchAppliesOurDiffToRandomTexts) {
  std::mt19937 random(20261129);
  TempDir dir;
  for (int round = 0; round < 40; ++round) {
    auto text = [&](int lines) {
      std::string out;
      for (int i = 0; i < lines; ++i) out += "line " + std::to_string(random() % 6) + "\n";
      return out;
    };
    std::string a = text(static_cast<int>(random() % 30));
    std::string b = text(static_cast<int>(random() % 30));
    std::string ours = UnifiedDiff(a, b, "a", "b", {});
    if (a == b) continue;
    std::filesystem::path target = dir.Write("target", a);
    std::filesystem::path patch = dir.Write("patch", ours);
    converge::testing::ProcessResult applied = converge::testing::Run(
        {"/usr/bin/patch", "--quiet", "--force", target.string(), patch.string()});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err << ours;
    EXPECT_EQ(converge::testing::ReadFile(target), b) << ours;
  }
}

TEST(TextTest, ColourMarksLinesAndHunks) {
  std::string text = UnifiedDiff("a\n", "b\n", "x", "y", {.color = true});
  EXPECT_EQ(text,
            "--- x\n+++ y\n\x1b[36m@@ -1 +1 @@\x1b[0m\n\x1b[31m-a\x1b[0m\n\x1b[32m+b\x1b[0m\n");
}

TEST(TextTest, ResourceTextIsLiveAgainstDesiredYaml) {
  Result<Differ> differ = Differ::Create({});
  ASSERT_TRUE(differ.ok());
  kube::Object live = testing::ReadObject(testing::TestData("guestbook-ui-live.yaml"));
  kube::Object desired = testing::ReadObject(
      testing::Corpus("argocd-example-apps/guestbook/guestbook-ui-deployment.yaml"));
  desired.SetNamespace("default");
  desired.mutable_json()["spec"]["replicas"] = 2;
  ResourceDiff result = differ->Compare(&desired, &live);
  testing::Dump(result);
  EXPECT_EQ(ResourceText(result, {}),
            "--- live/apps/Deployment:default/guestbook-ui\n"
            "+++ desired/apps/Deployment:default/guestbook-ui\n"
            "@@ -4,7 +4,7 @@\n"
            "   name: guestbook-ui\n"
            "   namespace: default\n"
            " spec:\n"
            "-  replicas: 1\n"
            "+  replicas: 2\n"
            "   revisionHistoryLimit: 3\n"
            "   selector:\n"
            "     matchLabels:\n");
  Result<Report> report = differ->CompareAll({desired}, {live});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(ReportText(*report, {}), ResourceText(result, {}));
}

}  // namespace
}  // namespace converge::diff
