// Constraint rules as Masterminds/semver documents them (README "Checking Version
// Constraints"), which Flux and Argo CD rely on.
#include "sources/git/semver.h"

#include <gtest/gtest.h>

namespace converge::sources::git {
namespace {

struct Case {
  std::string constraint;
  std::string version;
  bool matches;
};

TEST(SemverTest, MatchesDocumentedRanges) {
  std::vector<Case> cases = {
      // Hyphen ranges: "1.2 - 1.4.5" is ">= 1.2 <= 1.4.5".
      {"1.2 - 1.4.5", "1.2.0", true},
      {"1.2 - 1.4.5", "1.4.5", true},
      {"1.2 - 1.4.5", "1.4.6", false},
      {"1.2 - 1.4.5", "1.1.9", false},
      // Wildcards: "1.2.x" is ">= 1.2.0, < 1.3.0"; "<= 2.x" is "< 3"; "*" is ">= 0.0.0".
      {"1.2.x", "1.2.9", true},
      {"1.2.x", "1.3.0", false},
      {">= 1.2.x", "1.2.0", true},
      {">= 1.2.x", "1.1.9", false},
      {"<= 2.x", "2.9.9", true},
      {"<= 2.x", "3.0.0", false},
      {"*", "0.0.1", true},
      {"1.2", "1.2.7", true},
      // Tilde: "~1.2.3" is ">= 1.2.3, < 1.3.0"; "~1" is ">= 1, < 2"; "~1.x" the same.
      {"~1.2.3", "1.2.3", true},
      {"~1.2.3", "1.2.2", false},
      {"~1.2.3", "1.3.0", false},
      {"~1", "1.9.0", true},
      {"~1", "2.0.0", false},
      {"~1.x", "1.5.0", true},
      {"~2.3", "2.3.9", true},
      {"~2.3", "2.4.0", false},
      {"~>1.2", "1.2.5", true},
      // Caret: "^1.2.3" is ">= 1.2.3, < 2.0.0"; "^0.2.3" is ">= 0.2.3, < 0.3.0"; "^0.0.3" is
      // ">= 0.0.3, < 0.0.4"; "^0.0" is "< 0.1.0"; "^0" is "< 1.0.0".
      {"^1.2.3", "1.9.9", true},
      {"^1.2.3", "2.0.0", false},
      {"^1.2.3", "1.2.2", false},
      {"^1.2.x", "1.2.0", true},
      {"^2.x", "2.9.0", true},
      {"^2.x", "3.0.0", false},
      {"^0.2.3", "0.2.9", true},
      {"^0.2.3", "0.3.0", false},
      {"^0.2", "0.2.0", true},
      {"^0.0.3", "0.0.3", true},
      {"^0.0.3", "0.0.4", false},
      {"^0.0", "0.0.9", true},
      {"^0.0", "0.1.0", false},
      {"^0", "0.9.9", true},
      {"^0", "1.0.0", false},
      // Comparisons, "," and spaces as AND, "||" as OR, "v" prefixes.
      {">= 1.2, < 3.0.0 || >= 4.2.3", "2.0.0", true},
      {">= 1.2, < 3.0.0 || >= 4.2.3", "3.5.0", false},
      {">= 1.2, < 3.0.0 || >= 4.2.3", "4.2.3", true},
      {">=1.0.0 <2.0.0", "v1.5.0", true},
      {"v1.x", "1.1.0", true},
      {"!=1.2.3", "1.2.3", false},
      {"!=1.2.3", "1.2.4", true},
      {">1.2", "1.2.9", false},
      {">1.2", "1.3.0", true},
      {"=1.2.3", "1.2.3+build.7", true},
      // Pre-releases only when the constraint names one.
      {">=1.2.3", "1.2.4-beta", false},
      {">=1.2.3-0", "1.2.4-beta", true},
      {"^1", "1.5.0-rc.1", false},
      {">=1.5.0-0 <2.0.0", "1.5.0-rc.1", true},
  };
  for (const Case& c : cases) {
    Result<Constraint> constraint = Constraint::Parse(c.constraint);
    ASSERT_TRUE(constraint.ok()) << c.constraint << ": " << constraint.status().message();
    std::optional<Version> version = ParseVersion(c.version);
    ASSERT_TRUE(version.has_value()) << c.version;
    EXPECT_EQ(constraint->Matches(*version), c.matches) << c.constraint << " vs " << c.version;
  }
}

TEST(SemverTest, OrdersPrereleasesAsTheSpecSays) {
  // semver.org item 11: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta <
  // 1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0.
  std::vector<std::string> ordered = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                                      "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                                      "1.0.0-rc.1",  "1.0.0"};
  for (size_t i = 0; i + 1 < ordered.size(); ++i) {
    EXPECT_LT(CompareVersions(*ParseVersion(ordered[i]), *ParseVersion(ordered[i + 1])), 0)
        << ordered[i] << " < " << ordered[i + 1];
  }
  EXPECT_EQ(CompareVersions(*ParseVersion("v1.2"), *ParseVersion("1.2.0")), 0);
}

TEST(SemverTest, RejectsWhatIsNotAVersionOrConstraint) {
  for (const char* text : {"main", "release-1", "1.2.3.4", "", "1.2.3-01"}) {
    EXPECT_FALSE(ParseVersion(text).has_value()) << text;
  }
  for (const char* text : {"main", ">=", "1.x.3", ">> 1"}) {
    EXPECT_FALSE(Constraint::Parse(text).ok()) << text;
  }
}

}  // namespace
}  // namespace converge::sources::git
