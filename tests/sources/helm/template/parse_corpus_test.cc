// Every template file of the shared chart corpus parses, as it does for Helm.

#include <filesystem>

#include <gtest/gtest.h>

#include "sources/helm/template/template.h"
#include "tests/support/support.h"

namespace converge::sources::helm::tmpl {
namespace {

namespace fs = std::filesystem;

TEST(ParseCorpusTest, EveryChartTemplateParses) {
  fs::path root = converge::testing::CorpusDir() / "charts";
  int parsed = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::string path = entry.path().string();
    if (path.find("/templates/") == std::string::npos) continue;
    std::string text = converge::testing::ReadFile(entry.path());
    Status status = ParseOnly(fs::relative(entry.path(), root).string(), text);
    EXPECT_TRUE(status.ok()) << status.message();
    ++parsed;
  }
  std::printf("%d corpus templates parsed\n", parsed);
  EXPECT_GT(parsed, 2000);
}

}  // namespace
}  // namespace converge::sources::helm::tmpl
