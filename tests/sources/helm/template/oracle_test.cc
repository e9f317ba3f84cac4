// Regenerates the expected outputs from helm4 and fails when they drifted from the cached
// files. CONVERGE_UPDATE_EXPECTED=1 rewrites the files instead; CONVERGE_UPDATE_EXPECTED=<family>
// rewrites that family's only.

#include <cstdlib>

#include <gtest/gtest.h>

#include "tests/sources/helm/template/cases.h"

namespace converge::sources::helm::tmpl::testing {
namespace {

TEST(OracleTest, ExpectedOutputsAreHelms) {
  const char* update_env = std::getenv("CONVERGE_UPDATE_EXPECTED");
  bool update = update_env != nullptr;
  std::string only = update && std::string(update_env) != "1" ? update_env : "";
  for (const std::string& family : Families()) {
    if (!only.empty() && family != only) continue;
    std::vector<Case> cases = LoadCases(family);
    std::map<std::string, Outcome> helm = RenderWithHelm(cases);
    if (update) {
      SaveExpected(family, helm);
      continue;
    }
    std::map<std::string, Outcome> cached = LoadExpected(family);
    for (const Case& c : cases) {
      EXPECT_EQ(cached[c.id].ToJson().dump(), helm[c.id].ToJson().dump())
          << family << " " << c.id << " (" << c.name << ") drifted from helm4";
    }
  }
}

}  // namespace
}  // namespace converge::sources::helm::tmpl::testing
