// Expectations follow gobwas/glob's documented syntax, which Argo CD's directory include and
// exclude use without separators (argo-cd util/glob/glob.go) and Helm's .Files.Glob with '/'.

#include "base/glob.h"

#include <gtest/gtest.h>

namespace converge {
namespace {

struct Case {
  const char* pattern;
  const char* text;
  bool match;
};

class NoSeparatorGlobTest : public ::testing::TestWithParam<Case> {};

TEST_P(NoSeparatorGlobTest, Matches) {
  const Case& c = GetParam();
  Result<Glob> glob = Glob::Compile(c.pattern);
  ASSERT_TRUE(glob.ok()) << glob.status().message();
  EXPECT_EQ(glob->Match(c.text), c.match) << c.pattern << " vs " << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    ArgoCdSemantics, NoSeparatorGlobTest,
    ::testing::Values(Case{"*.yaml", "a.yaml", true}, Case{"*.yaml", "sub/a.yaml", true},
                      Case{"*.yaml", "a.yml", false}, Case{"{a.yaml,b/*}", "a.yaml", true},
                      Case{"{a.yaml,b/*}", "b/c/d.json", true},
                      Case{"{a.yaml,b/*}", "c.yaml", false},
                      Case{"config.json", "config.json", true},
                      Case{"config.json", "sub/config.json", false}, Case{"?.yaml", "a.yaml", true},
                      Case{"?.yaml", "ab.yaml", false}, Case{"[ab].yaml", "b.yaml", true},
                      Case{"[!ab].yaml", "b.yaml", false}, Case{"[!ab].yaml", "c.yaml", true},
                      Case{"[a-c]*", "cow", true}, Case{"[a-c]*", "dog", false},
                      Case{"\\*.yaml", "*.yaml", true}, Case{"\\*.yaml", "a.yaml", false},
                      Case{"{a,{b,c}x}", "cx", true}, Case{"{a,{b,c}x}", "bx", true},
                      Case{"{a,{b,c}x}", "x", false}, Case{"**", "any/thing", true},
                      Case{"é*", "éa", true}, Case{"a,b", "a,b", true}, Case{"", "", true},
                      Case{"", "x", false}));

TEST(GlobTest, SeparatorStopsSingleStarButNotDoubleStar) {
  Result<Glob> single = Glob::Compile("templates/*.yaml", U"/");
  ASSERT_TRUE(single.ok());
  EXPECT_TRUE(single->Match("templates/a.yaml"));
  EXPECT_FALSE(single->Match("templates/sub/a.yaml"));
  Result<Glob> super = Glob::Compile("templates/**.yaml", U"/");
  ASSERT_TRUE(super.ok());
  EXPECT_TRUE(super->Match("templates/sub/a.yaml"));
  Result<Glob> any_one = Glob::Compile("a?b", U"/");
  ASSERT_TRUE(any_one.ok());
  EXPECT_FALSE(any_one->Match("a/b"));
}

TEST(GlobTest, RefusesMalformedPatterns) {
  for (const char* pattern : {"[ab", "{a,b", "abc\\", "[]", "[z-a]"}) {
    Result<Glob> glob = Glob::Compile(pattern);
    ASSERT_FALSE(glob.ok()) << pattern;
    EXPECT_NE(glob.status().message().find(pattern), std::string::npos)
        << "the message names the pattern: " << glob.status().message();
  }
}

TEST(GlobTest, RefusesExplosiveBraces) {
  std::string pattern;
  for (int i = 0; i < 16; ++i) pattern += "{a,b}";
  EXPECT_FALSE(Glob::Compile(pattern).ok());
}

}  // namespace
}  // namespace converge
