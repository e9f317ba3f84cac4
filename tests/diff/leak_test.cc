// Runs every other test of this binary with capturing on, then searches all they captured
// (standard output and error, and each diff, report and status text they produced) for the
// Secret values of the fixtures, plain and base64-encoded.

#include <gtest/gtest.h>

#include "base/base64.h"
#include "tests/diff/diff_test_util.h"
#include "tests/support/support.h"

namespace converge::diff {
namespace {

using converge::testing::ProcessResult;
using converge::testing::TempDir;

TEST(SecretLeakTest, NothingTheSuiteCapturedHoldsAFixtureSecret) {
  TempDir capture;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  ProcessResult run =
      converge::testing::Run({"/usr/bin/env", "CONVERGE_CAPTURE_DIR=" + capture.path().string(),
                              self.string(), "--gtest_filter=-SecretLeakTest.*"});
  ASSERT_EQ(run.exit_code, 0) << "the suite failed; its output is not shown here";

  std::vector<std::pair<std::string, std::string>> captured = {{"stdout", run.out},
                                                               {"stderr", run.err}};
  for (const auto& entry : std::filesystem::directory_iterator(capture.path())) {
    captured.emplace_back(entry.path().filename().string(),
                          converge::testing::ReadFile(entry.path()));
  }
  // The tests that compare Secrets did run and were captured.
  size_t masked = 0;
  for (const auto& [name, text] : captured) masked += text.find("++++++++") != std::string::npos;
  EXPECT_GE(masked, 2u);
  EXPECT_GE(captured.size(), 10u);

  for (const std::string& value : testing::SecretFixtureValues()) {
    for (const std::string& form : {value, Base64Encode(value)}) {
      for (const auto& [name, text] : captured) {
        EXPECT_EQ(text.find(form), std::string::npos) << name << " holds a Secret value";
      }
    }
  }
}

}  // namespace
}  // namespace converge::diff
