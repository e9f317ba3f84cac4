// The differential suite: every case renders with our engine exactly as helm4 rendered it
// (outputs cached under expected/, regenerated and checked by oracle_test.cc).

#include "sources/helm/template/template.h"

#include <set>

#include <gtest/gtest.h>

#include "tests/sources/helm/template/cases.h"

namespace converge::sources::helm::tmpl::testing {
namespace {

class FamilyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FamilyTest, MatchesHelm) {
  std::vector<Case> cases = LoadCases(GetParam());
  std::map<std::string, Outcome> expected = LoadExpected(GetParam());
  ASSERT_FALSE(cases.empty());
  int passed = 0;
  for (const Case& c : cases) {
    auto found = expected.find(c.id);
    if (found == expected.end()) {
      ADD_FAILURE() << c.id << " (" << c.name << "): no expected output; run oracle_test";
      continue;
    }
    Outcome ours = RenderWithEngine(c);
    if (ours.ToJson() == found->second.ToJson()) {
      ++passed;
      continue;
    }
    ADD_FAILURE() << c.id << " (" << c.name << ")\ntemplate: " << c.text
                  << "\nhelm:   " << found->second.ToJson().dump()
                  << "\nours:   " << ours.ToJson().dump();
  }
  std::printf("%s: %d of %zu cases match helm4\n", GetParam().c_str(), passed, cases.size());
}

INSTANTIATE_TEST_SUITE_P(Cases, FamilyTest, ::testing::ValuesIn(Families()),
                         [](const auto& param_info) { return param_info.param; });

TEST(SuiteTest, HasEnoughCasesAndCoversEveryFunction) {
  size_t total = 0;
  std::set<std::string> used;
  for (const std::string& family : Families()) {
    for (const Case& c : LoadCases(family)) {
      ++total;
      std::string word;
      for (char ch : c.text + " ") {
        if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_') {
          word += ch;
        } else {
          if (!word.empty()) used.insert(word);
          word.clear();
        }
      }
    }
  }
  std::printf("%zu cases\n", total);
  std::vector<std::string> missing;
  for (std::string_view name : FunctionNames()) {
    if (!used.contains(std::string(name))) missing.emplace_back(name);
  }
  std::string list;
  for (const std::string& name : missing) list += " " + name;
  EXPECT_TRUE(missing.empty()) << "functions without a case:" << list;
}

}  // namespace
}  // namespace converge::sources::helm::tmpl::testing

namespace converge::sources::helm::tmpl::testing {
namespace {

std::string RandomPassword(std::optional<uint64_t> seed) {
  TemplateSet set(Options{.seed = seed});
  EXPECT_TRUE(set.AddFile("t", "{{ randAlphaNum 32 }}").ok());
  Result<std::string> out = set.Execute("t", Value());
  EXPECT_TRUE(out.ok());
  return out.ok() ? *out : "";
}

// A chart that generates a password must not generate the same one for every user, as it
// would with a fixed seed; a seed is for tests only.
TEST(SeedTest, RandomFunctionsAreRandomUnlessSeeded) {
  EXPECT_NE(RandomPassword(std::nullopt), RandomPassword(std::nullopt));
  EXPECT_EQ(RandomPassword(7), RandomPassword(7));
  EXPECT_NE(RandomPassword(7), RandomPassword(8));
  EXPECT_EQ(RandomPassword(std::nullopt).size(), 32u);
}

}  // namespace
}  // namespace converge::sources::helm::tmpl::testing
