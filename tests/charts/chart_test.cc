// The operator's own chart (charts/converge) against the reference tools: helm3 and helm4 lint
// it (also --strict), `converge render` prints byte for byte what `helm4 template` prints for
// the default values and three value sets, manifests/install.yaml is what the chart renders now,
// and the chart's CRD is the one in manifests/crds.
//
// The chart generates the API token and webhook secrets with randAlphaNum, so two helm4 runs
// differ on those lines: they are found by rendering twice with helm4, must all be base64
// values of the chart's two Secrets, and are masked on both sides before comparing.
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge {
namespace {

namespace fs = std::filesystem;
using testing::ProcessResult;

fs::path Chart() { return testing::SourceDir() / "charts/converge"; }
fs::path TestData() { return testing::SourceDir() / "tests/charts/testdata"; }

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The line numbers where two renders differ; the renders must have the same line count.
std::set<size_t> Differing(const std::string& a, const std::string& b) {
  std::vector<std::string> left = Lines(a);
  std::vector<std::string> right = Lines(b);
  EXPECT_EQ(left.size(), right.size());
  std::set<size_t> out;
  for (size_t i = 0; i < std::min(left.size(), right.size()); ++i) {
    if (left[i] != right[i]) out.insert(i);
  }
  return out;
}

std::string Masked(const std::string& text, const std::set<size_t>& masked) {
  std::vector<std::string> lines = Lines(text);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    out += (masked.contains(i) ? "<random>" : lines[i]) + "\n";
  }
  return out;
}

// A generated secret as the chart prints it: "  KEY: BASE64" under `data:`.
bool IsGeneratedSecretLine(const std::string& line) {
  size_t colon = line.find(": ");
  if (line.rfind("  ", 0) != 0 || colon == std::string::npos) return false;
  std::string value = line.substr(colon + 2);
  return value.size() >= 40 &&
         value.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
             "=") == std::string::npos;
}

ProcessResult Helm(const std::string& helm, std::vector<std::string> args) {
  args.insert(args.begin(), (testing::OracleDir() / helm).string());
  return testing::Run(args);
}

struct ValueSet {
  std::string name;
  std::vector<std::string> flags;
  bool random = true;  // renders generated secrets
};

std::vector<ValueSet> ValueSets() {
  auto file = [](const std::string& name) {
    return std::vector<std::string>{"-f", (TestData() / ("values-" + name + ".yaml")).string()};
  };
  return {{.name = "default"},
          {.name = "namespaced", .flags = file("namespaced")},
          {.name = "exposed", .flags = file("exposed")},
          {.name = "existing-secrets", .flags = file("existing-secrets"), .random = false}};
}

class ChartTest : public ::testing::TestWithParam<ValueSet> {};

TEST_P(ChartTest, Helm3AndHelm4LintStrict) {
  for (const std::string helm : {"helm3", "helm4"}) {
    std::vector<std::string> args = {"lint", Chart().string(), "--strict"};
    args.insert(args.end(), GetParam().flags.begin(), GetParam().flags.end());
    ProcessResult lint = Helm(helm, args);
    EXPECT_EQ(lint.exit_code, 0) << helm << "\n" << lint.out << lint.err;
    EXPECT_NE(lint.out.find("0 chart(s) failed"), std::string::npos) << helm << "\n" << lint.out;
  }
}

TEST_P(ChartTest, RendersAsHelm4Template) {
  std::vector<std::string> args = {"template", "converge", Chart().string(), "--namespace",
                                   "converge"};
  args.insert(args.end(), GetParam().flags.begin(), GetParam().flags.end());
  ProcessResult first = Helm("helm4", args);
  ProcessResult second = Helm("helm4", args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(second.exit_code, 0) << second.err;
  std::set<size_t> random = Differing(first.out, second.out);
  EXPECT_EQ(!random.empty(), GetParam().random);
  std::vector<std::string> lines = Lines(first.out);
  for (size_t line : random) {
    EXPECT_TRUE(IsGeneratedSecretLine(lines[line])) << "line " << line + 1 << ": " << lines[line];
  }

  std::vector<std::string> render = {testing::ConvergeBinary().string(),
                                     "render",
                                     Chart().string(),
                                     "--release-name",
                                     "converge",
                                     "--namespace",
                                     "converge"};
  render.insert(render.end(), GetParam().flags.begin(), GetParam().flags.end());
  ProcessResult ours = testing::Run(render);
  ASSERT_EQ(ours.exit_code, 0) << ours.err;
  EXPECT_EQ(Masked(ours.out, random), Masked(first.out, random));
}

INSTANTIATE_TEST_SUITE_P(ValueSets, ChartTest, ::testing::ValuesIn(ValueSets()),
                         [](const ::testing::TestParamInfo<ValueSet>& param) {
                           std::string name = param.param.name;
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

TEST(Chart, SchemaRefusesUnknownValues) {
  ProcessResult lint = Helm("helm4", {"lint", Chart().string(), "--set", "controller.wokers=3"});
  EXPECT_NE(lint.exit_code, 0);
  EXPECT_NE(lint.out.find("wokers"), std::string::npos) << lint.out << lint.err;
}

TEST(Chart, CrdIsTheOneOfManifests) {
  EXPECT_EQ(
      testing::ReadFile(Chart() / "crds/applications.converge.dev.yaml"),
      testing::ReadFile(testing::SourceDir() / "manifests/crds/applications.converge.dev.yaml"))
      << "copy manifests/crds/applications.converge.dev.yaml to charts/converge/crds/";
}

TEST(InstallManifest, IsNotStale) {
  testing::TempDir dir;
  ProcessResult generated =
      testing::Run({(testing::SourceDir() / "scripts/gen-install-manifest").string(),
                    testing::ConvergeBinary().string(), (dir.path() / "install.yaml").string()});
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  EXPECT_TRUE(testing::ReadFile(dir.path() / "install.yaml") ==
              testing::ReadFile(testing::SourceDir() / "manifests/install.yaml"))
      << "manifests/install.yaml is stale: run `ninja -C BUILD_DIR install-manifest`";
}

// The same bytes helm4 prints (after the file's comment header), and nothing random in them.
TEST(InstallManifest, IsHelm4TemplateOfTheChart) {
  ProcessResult helm =
      Helm("helm4",
           {"template", "converge", Chart().string(), "--namespace", "converge", "--include-crds",
            "-f", (testing::SourceDir() / "manifests/install-values.yaml").string()});
  ASSERT_EQ(helm.exit_code, 0) << helm.err;
  std::string installed = testing::ReadFile(testing::SourceDir() / "manifests/install.yaml");
  size_t body = installed.find("\n---\n");
  ASSERT_NE(body, std::string::npos);
  EXPECT_EQ(installed.substr(body + 1), helm.out);
  EXPECT_EQ(installed.find("kind: Secret"), std::string::npos);
}

}  // namespace
}  // namespace converge
