// values.schema.json parity: each case of testdata/schema/cases.json (a schema and values, per
// keyword and per draft, plus reference, meta-schema and error-format cases) is rendered as a
// tiny chart in-process and must fail or pass exactly as `helm4 template` does, with the same
// error text. helm4's answers are cached in testdata/schema/expected.json;
// CONVERGE_UPDATE_EXPECTED=1 (or =helm-schema) regenerates them with helm4.
//
// Helm's validator walks Go maps, so the order of sibling errors changes from run to run; both
// sides are compared with sibling errors sorted. References to other documents are refused
// instead of downloaded, so for those cases (KnownDifferences) the reason after the URL differs.
//
// The JSON-Schema-Test-Suite (npm json-schema-test-suite, installed by scripts/test) gives the
// spec-level evidence for draft 4, the only draft that package carries.

#include "sources/helm/schema/schema.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "sources/helm/helm.h"
#include "tests/support/support.h"

namespace converge::sources::helm {
namespace {

namespace fs = std::filesystem;
using converge::testing::OracleDir;
using converge::testing::SourceDir;
using converge::testing::TempDir;
using nlohmann::json;

fs::path SchemaData() { return SourceDir() / "tests/sources/helm/testdata/schema"; }

// Cases whose text differs from helm4's on purpose or by a known gap: only their first `lines`
// lines are compared, the last one up to the end of the quoted URL it names (`": `).
struct Difference {
  size_t lines;
  std::string reason;
};

const std::map<std::string, Difference>& KnownDifferences() {
  static const std::map<std::string, Difference> kCases = [] {
    std::map<std::string, Difference> cases;
    for (const char* draft : {"d4", "d6", "d7", "d2019", "d2020", "none"}) {
      std::string d = draft;
      cases["remote-ref/" + d] = {3, "Converge never downloads: the reason after the URL differs"};
      cases["file-ref/" + d] = {3, "Converge reads no file outside the chart's schema"};
      cases["unknown-schema-uri/" + d] = {3, "an unknown $schema would be downloaded"};
    }
    return cases;
  }();
  return kCases;
}

struct Outcome {
  int exit_code = 0;
  std::string error;  // stderr from the "Error: " line on
};

void WriteChart(const TempDir& dir, const json& c) {
  dir.Write("c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n");
  dir.Write("c/values.yaml", c["values"].dump() + "\n");
  dir.Write("c/values.schema.json", c["schema"].dump() + "\n");
  dir.Write("c/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
}

Outcome HelmOutcome(const json& c) {
  TempDir dir;
  WriteChart(dir, c);
  testing::ProcessResult result = testing::Run(
      {(OracleDir() / "helm4").string(), "template", "r", (dir.path() / "c").string()});
  size_t error = result.err.find("Error: ");
  return {result.exit_code, error == std::string::npos ? "" : result.err.substr(error)};
}

Outcome OurOutcome(const json& c) {
  TempDir dir;
  WriteChart(dir, c);
  Result<std::unique_ptr<tree::FileTree>> tree = tree::OpenDirectory(dir.path());
  if (!tree.ok()) return {1, "Error: " + tree.status().message() + "\n"};
  Result<Chart> chart = LoadChart(**tree, "c");
  if (!chart.ok()) return {1, "Error: " + chart.status().message() + "\n"};
  Result<Release> release = Render(*chart, Options{});
  if (!release.ok()) return {1, "Error: " + release.status().message() + "\n"};
  return {0, ""};
}

// A line's text with the property list of "additional properties … not allowed" sorted.
std::string SortNames(const std::string& line) {
  static const std::string kHead = "additional properties ";
  static const std::string kTail = " not allowed";
  size_t head = line.find(kHead);
  if (head == std::string::npos || !line.ends_with(kTail)) return line;
  size_t start = head + kHead.size();
  std::string list = line.substr(start, line.size() - kTail.size() - start);
  std::vector<std::string> names;
  for (size_t at = 0; at <= list.size();) {
    size_t comma = list.find(", ", at);
    names.push_back(list.substr(at, comma == std::string::npos ? comma : comma - at));
    at = comma == std::string::npos ? list.size() + 1 : comma + 2;
  }
  std::sort(names.begin(), names.end());
  std::string sorted;
  for (const std::string& name : names) sorted += (sorted.empty() ? "" : ", ") + name;
  return line.substr(0, start) + sorted + kTail;
}

int Depth(const std::string& line) {
  size_t spaces = line.find_first_not_of(' ');
  if (spaces == std::string::npos || line.compare(spaces, 2, "- ") != 0) return -1;
  return static_cast<int>(spaces / 2);
}

// Error lines at `depth` from `at` on, each with its nested lines, sorted.
std::string SortedBlock(const std::vector<std::string>& lines, size_t& at, int depth) {
  std::vector<std::string> items;
  while (at < lines.size() && Depth(lines[at]) == depth) {
    std::string item = SortNames(lines[at++]) + "\n";
    item += SortedBlock(lines, at, depth + 1);
    items.push_back(std::move(item));
  }
  std::sort(items.begin(), items.end());
  std::string out;
  for (const std::string& item : items) out += item;
  return out;
}

std::string Canonical(const std::string& text, size_t max_lines) {
  std::vector<std::string> lines;
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\n', at);
    lines.push_back(text.substr(at, end == std::string::npos ? end : end - at));
    at = end == std::string::npos ? text.size() : end + 1;
  }
  if (max_lines != std::string::npos && lines.size() >= max_lines) {
    lines.resize(max_lines);
    if (size_t end = lines.back().find("\": "); end != std::string::npos) {
      lines.back().erase(end + 3);
    }
  }
  std::string out;
  for (size_t at = 0; at < lines.size();) {
    if (Depth(lines[at]) == 0) {
      out += SortedBlock(lines, at, 0);
    } else {
      out += lines[at++] + "\n";
    }
  }
  return out;
}

std::vector<json> Cases() {
  json cases = json::parse(testing::ReadFile(SchemaData() / "cases.json"));
  return {cases.begin(), cases.end()};
}

bool Updating() {
  const char* update = std::getenv("CONVERGE_UPDATE_EXPECTED");
  return update != nullptr && (std::string(update) == "1" || std::string(update) == "helm-schema");
}

TEST(SchemaTest, CasesMatchHelm) {
  std::vector<json> cases = Cases();
  fs::path expected_path = SchemaData() / "expected.json";
  if (Updating()) {
    json expected = json::object();
    for (const json& c : cases) {
      Outcome helm = HelmOutcome(c);
      expected[c["name"].get<std::string>()] = {{"exit", helm.exit_code}, {"error", helm.error}};
    }
    std::ofstream(expected_path) << expected.dump(1) << "\n";
  }
  json expected = json::parse(testing::ReadFile(expected_path));
  size_t matched = 0;
  for (const json& c : cases) {
    std::string name = c["name"];
    ASSERT_TRUE(expected.contains(name)) << name << ": no helm4 answer; regenerate";
    size_t lines = std::string::npos;
    if (auto known = KnownDifferences().find(name); known != KnownDifferences().end()) {
      lines = known->second.lines;
    }
    Outcome ours = OurOutcome(c);
    bool ours_failed = ours.exit_code != 0;
    bool helm_failed = expected[name]["exit"].get<int>() != 0;
    std::string ours_text = Canonical(ours.error, lines);
    std::string helm_text = Canonical(expected[name]["error"].get<std::string>(), lines);
    EXPECT_EQ(ours_failed, helm_failed) << name;
    EXPECT_EQ(ours_text, helm_text) << name;
    if (ours_failed == helm_failed && ours_text == helm_text) ++matched;
  }
  std::printf("values.schema.json cases matching helm4: %zu of %zu\n", matched, cases.size());
}

fs::path SuiteDir() {
  const char* data = std::getenv("CONVERGE_NPM_DATA");
  fs::path base =
      data != nullptr ? fs::path(data) : fs::path(std::getenv("HOME")) / ".cache/converge-npm-data";
  return base / "json-schema-test-suite/tests/draft4";
}

// Files of the suite left out, with the reason.
const std::map<std::string, std::string>& SuiteExclusions() {
  static const std::map<std::string, std::string> kExcluded = {
      {"refRemote.json", "remote references: Converge never downloads a schema"},
      {"optional/bignum.json", "numbers beyond float64: Helm's values are float64 already"},
      {"optional/zeroTerminatedFloats.json",
       "1.0 is an integer for Helm's validator, as for drafts 6 and later"},
  };
  return kExcluded;
}

TEST(SchemaTest, JsonSchemaTestSuiteDraft4) {
  fs::path dir = SuiteDir();
  ASSERT_TRUE(fs::is_directory(dir)) << dir << " is missing: scripts/test installs it from npm";
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  size_t passed = 0;
  size_t total = 0;
  for (const fs::path& file : files) {
    std::string name = fs::relative(file, dir).generic_string();
    if (SuiteExclusions().contains(name)) continue;
    for (const json& group : json::parse(testing::ReadFile(file))) {
      json schema = group["schema"];
      if (schema.is_object() && !schema.contains("$schema")) {
        schema["$schema"] = "http://json-schema.org/draft-04/schema#";
      }
      for (const json& test : group["tests"]) {
        ++total;
        std::string errors = schema::Check(schema.dump(), test["data"]);
        bool valid = errors.empty();
        bool expected = test["valid"].get<bool>();
        // Helm's validator: a URI needs a scheme (url.URL.IsAbs), so "//host/path" is refused.
        if (test["description"] == "a valid protocol-relative URI") expected = false;
        EXPECT_EQ(valid, expected) << name << ": " << group["description"].get<std::string>()
                                   << ": " << test["description"].get<std::string>() << "\n"
                                   << errors;
        if (valid == expected) ++passed;
      }
    }
  }
  std::printf("JSON-Schema-Test-Suite draft4: %zu of %zu tests pass (%zu files left out)\n", passed,
              total, SuiteExclusions().size());
}

}  // namespace
}  // namespace converge::sources::helm
