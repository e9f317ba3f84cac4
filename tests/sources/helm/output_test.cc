// helm template's output rules on a chart built to hit them (testdata/output-chart): document
// splitting (a glued "---apiVersion", a stray "---", "--- # comment", an indented "---" in a
// block scalar, comment-only documents), empty files, NOTES.txt, hooks with several, unknown and
// capitalised events, test hooks, the kind install order with unknown kinds, heads (kind, name,
// hook) that come from "<<" merges, aliases and duplicate keys, crds/ files of the
// chart and its sub-chart (only .yaml/.yml/.json, never templated), .helmignore rules, .Files
// (Glob, AsConfig, AsSecrets, Lines, Get, GetBytes as Go's []byte), .Template, .Subcharts and
// .Capabilities, with --no-hooks, --skip-tests, --include-crds and --show-only. The oracle is
// helm4 itself.

#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge {
namespace {

TEST(OutputTest, MatchesHelmForEveryOutputFlag) {
  std::string chart = (testing::SourceDir() / "tests/sources/helm/testdata/output-chart").string();
  const std::vector<std::vector<std::string>> flag_sets = {
      {},
      {"--no-hooks"},
      {"--skip-tests"},
      {"--include-crds"},
      {"--show-only", "templates/kinds.yaml", "--show-only", "charts/sub/templates/*"},
      {"--show-only", "templates/hooks.yaml", "--skip-tests"},
  };
  for (const std::vector<std::string>& flags : flag_sets) {
    std::vector<std::string> helm = {(testing::OracleDir() / "helm4").string(), "template", "rel",
                                     chart};
    std::vector<std::string> ours = {testing::ConvergeBinary().string(), "render", chart,
                                     "--release-name", "rel"};
    helm.insert(helm.end(), flags.begin(), flags.end());
    ours.insert(ours.end(), flags.begin(), flags.end());
    testing::ProcessResult expected = testing::Run(helm);
    testing::ProcessResult actual = testing::Run(ours);
    std::string name = flags.empty() ? "(no flags)" : flags[0];
    ASSERT_EQ(expected.exit_code, 0) << expected.err;
    EXPECT_EQ(actual.exit_code, 0) << name << ": " << actual.err;
    EXPECT_EQ(actual.out, expected.out) << name;
  }
}

}  // namespace
}  // namespace converge
