// converge up, as the README's first command runs it: everything starts, every example
// Application (plain, Kustomize, Helm) becomes Synced and Healthy, and a second run continues
// from the same data.
#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge::cli {
namespace {

TEST(UpTest, BringsEveryExampleApplicationToSyncedAndHealthy) {
  testing::TempDir dir;
  std::vector<std::string> argv = {testing::ConvergeBinary().string(),
                                   "up",
                                   "--data-dir",
                                   (dir.path() / "up").string(),
                                   "--exit-when-ready",
                                   "--api-listen",
                                   "127.0.0.1:0"};
  testing::ProcessResult first = testing::Run(argv);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("Converge is up"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("All Applications Synced and Healthy"), std::string::npos) << first.out;
  for (const char* app : {"plain", "kustomize", "helm"}) {
    EXPECT_NE(first.out.find(std::string("  ") + app), std::string::npos) << first.out;
  }
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "up" / "repo" / ".git"));
  std::string token = testing::ReadFile(dir.path() / "up" / "api-token");
  EXPECT_EQ(token.size(), 65u) << token;
  EXPECT_EQ(std::filesystem::status(dir.path() / "up" / "api-token").permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_NE(testing::ReadFile(dir.path() / "up" / "cli-config.yaml").find("token: " + token),
            std::string::npos);

  testing::ProcessResult second = testing::Run(argv);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("All Applications Synced and Healthy"), std::string::npos)
      << second.out;
  EXPECT_EQ(testing::ReadFile(dir.path() / "up" / "api-token"), token) << "kept between runs";
}

}  // namespace
}  // namespace converge::cli
