// Probe charts (testdata/probes) that each exercise one corner of helm template's behaviour:
// values coalescing errors, the built-in objects as templates serialise them, the kubeVersion
// and release name checks, Go's uint8 from indexing a []byte, comparison and other execution
// errors, .Files and the --set family's edge cases, globals and import-values. `converge render`
// must print what `helm4 template` prints: the same stdout, or the same error message (helm's
// text after "Error: ", every line of it).
//
// helm4's outcomes are cached in testdata/probes_expected.json; CONVERGE_UPDATE_EXPECTED=1 (or
// =helm-probes) regenerates the file with helm4. Both tools run in testdata/probes, so -f and
// --set-file paths are relative to it.

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string id;
  std::string chart;  // directory under testdata/probes
  std::vector<std::string> flags;
  std::string release = "rel";
};

struct Outcome {
  int exit_code = 0;
  std::string out;
  std::string error;  // the message, without helm's "Error: " or our "converge: error: "

  nlohmann::json ToJson() const {
    return {{"exit_code", exit_code}, {"out", out}, {"error", error}};
  }
};

fs::path ProbeDir() { return testing::SourceDir() / "tests/sources/helm/testdata/probes"; }
fs::path ExpectedFile() {
  return testing::SourceDir() / "tests/sources/helm/testdata/probes_expected.json";
}

std::vector<Case> ErrorCases() {
  std::vector<Case> cases;
  for (const char* probe : {"eq-int-string",
                            "ne-int-string",
                            "eq-map",
                            "eq-list-int",
                            "eq-missing",
                            "eq-later-arg",
                            "ne-lists",
                            "eq-lists",
                            "eq-dict",
                            "eq-in-if",
                            "lt-int-string",
                            "lt-map",
                            "gt-float-int",
                            "le-string-int",
                            "eq-include",
                            "eq-include-twice",
                            "eq-template",
                            "eq-tpl",
                            "index-range",
                            "index-include",
                            "len-int",
                            "regex",
                            "nil",
                            "nil-include",
                            "nil-template",
                            "nil-tpl",
                            "include-missing",
                            "tpl-include-missing",
                            "tpl-parse",
                            "args",
                            "args-include",
                            "fail-include",
                            "fail-tpl-include",
                            "field-on-int"}) {
    cases.push_back({.id = std::string("errors ") + probe,
                     .chart = "errors",
                     .flags = {"--set", std::string("probe=") + probe}});
  }
  return cases;
}

std::vector<Case> Cases() {
  std::vector<Case> cases = {
      // A sub-chart's key set to something that is not a map, for every kind of value.
      {"coalesce int", "coalesce", {"--set", "sub=1"}},
      {"coalesce bool", "coalesce", {"--set", "sub=true"}},
      {"coalesce string", "coalesce", {"--set", "sub=abc"}},
      {"coalesce empty", "coalesce", {"--set", "sub="}},
      {"coalesce null", "coalesce", {"--set", "sub=null"}},
      {"coalesce big", "coalesce", {"--set", "sub=99999999999999999999"}},
      {"coalesce list", "coalesce", {"--set", "sub={a,b}"}},
      {"coalesce index", "coalesce", {"--set", "sub[0]=1"}},
      {"coalesce string flag", "coalesce", {"--set-string", "sub=1"}},
      {"coalesce literal", "coalesce", {"--set-literal", "sub={x}"}},
      {"coalesce json float", "coalesce", {"--set-json", "sub=1.5"}},
      {"coalesce json large", "coalesce", {"--set-json", "sub=123456789012"}},
      {"coalesce json false", "coalesce", {"--set-json", "sub=false"}},
      {"coalesce json string", "coalesce", {"--set-json", "sub=\"q\\\"é\""}},
      {"coalesce json nested",
       "coalesce",
       {"--set-json", "sub=[{\"k\":1,\"b\":true},[2,\"x\"],null,{}]"}},
      {"coalesce json empty list", "coalesce", {"--set-json", "sub=[]"}},
      {"coalesce file", "coalesce", {"-f", "coalesce-values.yaml"}},
      {"coalesce map", "coalesce", {"--set", "sub.b=2"}},
      {"coalesce listed dependency", "listed", {"--set", "sub=1"}},
      {"coalesce listed list", "listed", {"--set-json", "sub=[1]"}},
      // Built-in objects through toJson, toYaml and printf.
      {"objects", "objects", {}},
      {"objects kube version", "objects", {"--kube-version", "1.29.3-rc.1+build.5"}},
      {"objects disabled sub",
       "objects",
       {"--set", "sb.enabled=false", "--show-only", "templates/chart.yaml"}},
      // kubeVersion constraints and release names are checked as helm install checks them.
      {"kubeversion default", "kubeversion", {}},
      {"kubeversion satisfied", "kubeversion", {"--kube-version", "1.36.1"}},
      {"kubeversion prerelease", "kubeversion", {"--kube-version", "1.36.1-rc.1"}},
      {"kubeversion short", "kubeversion", {"--kube-version", "1.20"}},
      {"kubeversion bad name first", "kubeversion", {}, "Bad_Name"},
      {"release name upper", "coalesce", {}, "Bad_Name"},
      {"release name long", "coalesce", {}, std::string(54, 'a')},
      {"release name max", "coalesce", {}, std::string(53, 'a')},
      {"release name empty", "coalesce", {}, ""},
      {"release name dots", "coalesce", {}, "a.b-c.d"},
      {"release name double dot", "coalesce", {}, "a..b"},
      {"release name before values", "coalesce", {"--set", "sub=1"}, "Bad_Name"},
      // Indexing a []byte gives Go's uint8.
      {"bytes", "bytes", {}},
      // .Files: globs, AsConfig, AsSecrets, Lines and their errors; .helmignore.
      {"files", "files", {}},
      {"files keys", "files", {"--set", "keysOfFiles=1"}},
      {"files lines of empty", "files", {"--set", "linesOfEmpty=1"}},
      // The --set family: typing, paths, lists, nulls, files, and their errors.
      {"set typed",
       "setflags",
       {"--set",
        "a=1,b=true,c=false,d=null,e=,f=1.5,g=0x10,h=1e3,i=007,j=-3,"
        "k=9223372036854775808,l=+1"}},
      {"set paths",
       "setflags",
       {"--set", "a={1,b,true}", "--set", "b[1]=x", "--set", "c[0].d=1", "--set", "e\\.f=1",
        "--set", "g=a\\,b", "--set", "h=x=y"}},
      {"set null defaults",
       "setflags",
       {"--set", "defaults.gone=null", "--set", "defaults.list[3]=9", "--set",
        "defaults.nested=null"}},
      {"set string", "setflags", {"--set-string", "a=1,b=true,c=null", "--set-string", "d={1,2}"}},
      {"set json",
       "setflags",
       {"--set-json", "a={\"x\":[1,2.5,\"s\",null,true]}", "--set-json", "b=null", "--set-json",
        "c[1]=3"}},
      {"set literal", "setflags", {"--set-literal", "a=x,y={z}", "--set-literal", "b.c=1"}},
      {"set file",
       "setflags",
       {"--set-file", "a=set-file.txt", "--set-file", "b=set-file-empty.txt"}},
      {"set file missing", "setflags", {"--set-file", "a=missing.txt"}},
      {"set index too large", "setflags", {"--set", "a[1000000]=1"}},
      {"set negative index", "setflags", {"--set", "a[-1]=1"}},
      {"set no value", "setflags", {"--set", "a"}},
      {"set empty key part", "setflags", {"--set", "a.=1"}},
      {"set empty key", "setflags", {"--set", "=1"}},
      {"set json bad", "setflags", {"--set-json", "a={bad"}},
      {"set list then map", "setflags", {"--set", "a[0]=1,a.b=2"}},
      {"set map then list", "setflags", {"--set", "a.b=1,a[0]=2"}},
      {"set list across flags", "setflags", {"--set", "a[0]=1", "--set", "a[2]=3"}},
      {"set braces", "setflags", {"--set", "name=a{b}", "--set", "x={}", "--set", "y={,}"}},
      {"set order", "setflags", {"--set", "a=1", "--set-string", "a=2", "--set-json", "a=3"}},
      // Globals through two levels, import-values in both forms, aliases, conditions, tags.
      {"globals", "globals", {}},
      {"globals disabled",
       "globals",
       {"--set", "global.region=cli", "--set", "tags.extra=false", "--set", "second.enabled=false",
        "--set", "global.secondEnabled=true"}},
      {"globals set",
       "globals",
       {"--set", "child.global.region=child-cli", "--set-json", "global.shared={\"c\":3}"}},
      {"globals exports",
       "globals",
       {"--set", "child.exports.shared.s=9", "--set", "child.enabled=false"}},
  };
  std::vector<Case> errors = ErrorCases();
  cases.insert(cases.end(), errors.begin(), errors.end());
  return cases;
}

// helm's stderr: slog lines (level=...) aside, "Error: MESSAGE" and, for render errors, a blank
// line and the --debug hint.
std::string HelmMessage(const std::string& err) {
  std::string message;
  size_t start = 0;
  while (start < err.size()) {
    size_t end = err.find('\n', start);
    if (end == std::string::npos) end = err.size();
    std::string line = err.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("level=")) continue;
    if (line.starts_with("Use --debug flag")) break;
    message += line + "\n";
  }
  if (message.starts_with("Error: ")) message.erase(0, 7);
  while (message.ends_with('\n')) message.pop_back();
  return message;
}

std::string OurMessage(std::string err) {
  if (err.starts_with("converge: error: ")) err.erase(0, 17);
  while (err.ends_with('\n')) err.pop_back();
  return err;
}

Outcome RunHelm(const Case& c) {
  std::vector<std::string> argv = {(testing::OracleDir() / "helm4").string(), "template", c.release,
                                   c.chart};
  argv.insert(argv.end(), c.flags.begin(), c.flags.end());
  setenv("TZ", "UTC", 1);
  testing::ProcessResult result = testing::Run(argv, ProbeDir());
  if (result.exit_code == 0) return {.out = result.out};
  return {.exit_code = 1, .error = HelmMessage(result.err)};
}

Outcome RunConverge(const Case& c) {
  std::vector<std::string> argv = {testing::ConvergeBinary().string(), "render", c.chart,
                                   "--release-name", c.release};
  argv.insert(argv.end(), c.flags.begin(), c.flags.end());
  testing::ProcessResult result = testing::Run(argv, ProbeDir());
  if (result.exit_code == 0) return {.out = result.out};
  return {.exit_code = 1, .error = OurMessage(result.err)};
}

// "" when equal, else the first line that differs, helm's then ours.
std::string FirstDifference(const std::string& helm, const std::string& ours) {
  if (helm == ours) return "";
  size_t line = 1;
  size_t start = 0;
  while (true) {
    size_t helm_end = helm.find('\n', start);
    size_t ours_end = ours.find('\n', start);
    std::string a = helm.substr(start, helm_end == std::string::npos ? helm_end : helm_end - start);
    std::string b = ours.substr(start, ours_end == std::string::npos ? ours_end : ours_end - start);
    if (a != b || helm_end == std::string::npos || ours_end == std::string::npos) {
      size_t column = 0;
      while (column < a.size() && column < b.size() && a[column] == b[column]) ++column;
      size_t from = column > 40 ? column - 40 : 0;
      return "line " + std::to_string(line) + ", column " + std::to_string(column + 1) +
             ":\n  helm: " + a.substr(from, 160) + "\n  ours: " + b.substr(from, 160);
    }
    start = helm_end + 1;
    ++line;
  }
}

bool Updating() {
  const char* update = std::getenv("CONVERGE_UPDATE_EXPECTED");
  return update != nullptr && (std::string(update) == "1" || std::string(update) == "helm-probes");
}

TEST(ProbesTest, ConvergeRenderMatchesHelm) {
  std::vector<Case> cases = Cases();
  if (Updating()) {
    nlohmann::json expected = nlohmann::json::object();
    for (const Case& c : cases) expected[c.id] = RunHelm(c).ToJson();
    std::ofstream(ExpectedFile()) << expected.dump(1) << "\n";
    GTEST_SKIP() << "expected outcomes regenerated with helm4";
  }
  nlohmann::json expected = nlohmann::json::parse(testing::ReadFile(ExpectedFile()));
  for (const Case& c : cases) {
    ASSERT_TRUE(expected.contains(c.id))
        << c.id << " has no expected outcome; regenerate with CONVERGE_UPDATE_EXPECTED=helm-probes";
    const nlohmann::json& helm = expected[c.id];
    Outcome ours = RunConverge(c);
    EXPECT_EQ(ours.exit_code, helm["exit_code"].get<int>()) << c.id << ": " << ours.error;
    EXPECT_EQ(FirstDifference(helm["out"].get<std::string>(), ours.out), "") << c.id;
    EXPECT_EQ(FirstDifference(helm["error"].get<std::string>(), ours.error), "") << c.id;
  }
}

}  // namespace
}  // namespace converge
