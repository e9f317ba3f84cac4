// Corpus parity: every chart of the shared corpus renders byte for byte as `helm4 template rel
// CHART` prints it (TZ=UTC), in-process with default values and through `converge render` with
// combinations of --set, -f, --kube-version and --api-versions on charts with sub-charts,
// globals, import-values, conditions and tags. Charts helm refuses must be refused too.
//
// helm4's outputs are cached in testdata/corpus_expected.tsv as SHA-256 digests (the raw
// outputs are 13 MB); for charts that use random values, keys or the clock the lines that differ
// between two helm4 runs are masked. CONVERGE_UPDATE_EXPECTED=1 (or =helm-corpus) regenerates
// the file with helm4. Charts listed in testdata/corpus_known_failures.tsv (with the reason) are
// reported but do not fail the test; any other mismatch does, and so does a listed chart that
// now matches, so the list only shrinks.

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "sources/helm/helm.h"
#include "tests/support/support.h"

namespace converge::sources::helm {
namespace {

namespace fs = std::filesystem;
using converge::testing::CorpusDir;
using converge::testing::SourceDir;

struct Case {
  std::string id;  // chart path relative to the corpus, then the flags
  fs::path chart;  // absolute
  std::vector<std::string> flags;
  bool deterministic = true;
};

struct Expected {
  int exit_code = 0;
  std::string digest;
  std::vector<size_t> masked;  // 0-based line numbers
};

fs::path TestData() { return SourceDir() / "tests/sources/helm/testdata"; }

std::string Sha256(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Masked(const std::string& text, const std::vector<size_t>& masked) {
  if (masked.empty()) return text;
  std::vector<std::string> lines = Lines(text);
  for (size_t line : masked) {
    if (line < lines.size()) lines[line] = "<masked>";
  }
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

std::string Id(const std::string& chart, const std::vector<std::string>& flags) {
  std::string id = chart;
  for (const std::string& flag : flags) id += " " + flag;
  return id;
}

// Every chart of corpus/charts (charts.tsv) and of corpus/helm-testcharts.
std::vector<Case> DefaultCases() {
  std::vector<Case> cases;
  std::ifstream tsv(CorpusDir() / "charts/charts.tsv");
  std::string line;
  std::getline(tsv, line);
  while (std::getline(tsv, line)) {
    std::vector<std::string> fields;
    std::istringstream row(line);
    for (std::string field; std::getline(row, field, '\t');) fields.push_back(field);
    if (fields.size() < 4) continue;
    cases.push_back({.id = "charts/" + fields[0],
                     .chart = CorpusDir() / "charts" / fields[0],
                     .deterministic = fields[3] == "yes"});
  }
  std::vector<fs::path> testcharts;
  for (const auto& entry : fs::directory_iterator(CorpusDir() / "helm-testcharts")) {
    if (entry.is_directory() || entry.path().extension() == ".tgz") {
      testcharts.push_back(entry.path());
    }
  }
  std::sort(testcharts.begin(), testcharts.end());
  for (const fs::path& path : testcharts) {
    cases.push_back({.id = "helm-testcharts/" + path.filename().string(), .chart = path});
  }
  return cases;
}

// Flags combinations on charts with sub-charts, globals, import-values, conditions and tags.
std::vector<Case> ComboCases() {
  const std::string values = (TestData() / "combo-values.yaml").string();
  const std::vector<std::vector<std::string>> generic = {
      {"--kube-version", "1.28.3", "--api-versions", "monitoring.coreos.com/v1", "--api-versions",
       "autoscaling.k8s.io/v1"},
      {"--namespace", "other", "--set", "global.imageRegistry=reg.example.com,nameOverride=nm",
       "--set-string", "fullnameOverride=custom"},
      {"-f", values, "--set-json", "global.extra={\"x\":1}", "--set", "commonLabels.team=a"},
  };
  const std::vector<std::string> charts = {
      "charts/DataDog_helm-charts/datadog-operator",
      "charts/argoproj_argo-helm/argo-cd",
      "charts/argoproj_argo-helm/argo-workflows",
      "charts/argoproj_argo-helm/argo-rollouts",
      "charts/cert-manager_cert-manager/cert-manager",
      "charts/elastic_helm-charts/metricbeat",
      "charts/grafana_helm-charts/rollout-operator",
      "charts/grafana_helm-charts/loki-distributed",
      "charts/grafana_helm-charts/fluent-bit",
      "charts/kubernetes_ingress-nginx/ingress-nginx",
      "charts/open-telemetry_opentelemetry-helm-charts/opentelemetry-kube-stack",
      "charts/open-telemetry_opentelemetry-helm-charts/opentelemetry-operator",
      "charts/prometheus-community_helm-charts/prometheus",
      "charts/prometheus-community_helm-charts/kube-state-metrics",
      "charts/prometheus-community_helm-charts/prometheus-node-exporter",
      "charts/prometheus-community_helm-charts/alertmanager",
      "charts/prometheus-community_helm-charts/prometheus-blackbox-exporter",
      "charts/hashicorp_vault-helm/vault-helm",
      "helm-testcharts/subchart",
      "helm-testcharts/chart-with-lib-dep",
      "helm-testcharts/chart-with-subchart-notes",
  };
  std::vector<Case> cases;
  for (const std::string& chart : charts) {
    for (const std::vector<std::string>& flags : generic) {
      cases.push_back({.id = Id(chart, flags), .chart = CorpusDir() / chart, .flags = flags});
    }
  }
  // Tags, conditions and import-values of helm's own sub-chart test chart.
  for (const std::vector<std::string>& flags : std::vector<std::vector<std::string>>{
           {"--set", "tags.front-end=false"},
           {"--set", "tags.front-end=false,tags.subchartb=true"},
           {"--set", "subcharta.enabled=false,subchartb.enabled=true"},
           {"--set", "SCBexported1.SCBexported1A.SC1extra7=false,imported-chartA=null"},
           {"--set", "subchartb.SCBdata.SCBint=7", "--set-string", "global.x=1"},
           {"--set", "tags.front-end=false,subcharta.enabled=true", "--skip-tests"},
       }) {
    cases.push_back({.id = Id("helm-testcharts/subchart", flags),
                     .chart = CorpusDir() / "helm-testcharts/subchart",
                     .flags = flags});
  }
  // Conditions and aliases of real charts.
  for (const auto& [chart, flags] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"charts/DataDog_helm-charts/datadog-operator", {"--set", "installCRDs=false"}},
           {"charts/argoproj_argo-helm/argo-cd", {"--set", "redis-ha.enabled=true"}},
           {"charts/grafana_helm-charts/rollout-operator", {"--set", "crds.enabled=false"}},
           {"charts/prometheus-community_helm-charts/prometheus",
            {"--set", "alertmanager.enabled=false,kube-state-metrics.enabled=false"}},
           {"charts/open-telemetry_opentelemetry-helm-charts/opentelemetry-kube-stack",
            {"--set", "crds.install=false"}},
       }) {
    cases.push_back({.id = Id(chart, flags), .chart = CorpusDir() / chart, .flags = flags});
  }
  return cases;
}

std::map<std::string, Expected> ReadExpected() {
  std::map<std::string, Expected> expected;
  std::ifstream tsv(TestData() / "corpus_expected.tsv");
  for (std::string line; std::getline(tsv, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::istringstream row(line);
    for (std::string field; std::getline(row, field, '\t');) fields.push_back(field);
    if (fields.size() < 4) continue;
    Expected entry{.exit_code = std::stoi(fields[1]), .digest = fields[2]};
    if (fields[3] != "-") {
      std::istringstream masked(fields[3]);
      for (std::string number; std::getline(masked, number, ',');) {
        entry.masked.push_back(std::stoul(number));
      }
    }
    expected[fields[0]] = std::move(entry);
  }
  return expected;
}

std::map<std::string, std::string> ReadKnownFailures() {
  std::map<std::string, std::string> known;
  std::ifstream tsv(TestData() / "corpus_known_failures.tsv");
  for (std::string line; std::getline(tsv, line);) {
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    known[line.substr(0, tab)] = tab == std::string::npos ? "" : line.substr(tab + 1);
  }
  return known;
}

// The corpus path and flags as one relative id; flags pointing into the repository are written
// relative to it so the file does not depend on the checkout's location.
std::string StableId(const Case& c) {
  std::string id = c.id;
  std::string root = SourceDir().string() + "/";
  for (size_t at; (at = id.find(root)) != std::string::npos;) id.erase(at, root.size());
  return id;
}

converge::testing::ProcessResult RunHelm(const Case& c) {
  std::vector<std::string> argv = {(converge::testing::OracleDir() / "helm4").string(), "template",
                                   "rel", c.chart.string()};
  argv.insert(argv.end(), c.flags.begin(), c.flags.end());
  setenv("TZ", "UTC", 1);
  return converge::testing::Run(argv);
}

Expected FromHelm(const Case& c) {
  converge::testing::ProcessResult first = RunHelm(c);
  Expected expected{.exit_code = first.exit_code == 0 ? 0 : 1};
  if (!c.deterministic && first.exit_code == 0) {
    std::vector<std::string> a = Lines(first.out);
    std::vector<std::string> b = Lines(RunHelm(c).out);
    for (size_t i = 0; i < a.size(); ++i) {
      if (i >= b.size() || a[i] != b[i]) expected.masked.push_back(i);
    }
  }
  expected.digest = expected.exit_code == 0 ? Sha256(Masked(first.out, expected.masked)) : "-";
  return expected;
}

void UpdateExpected(const std::vector<Case>& cases) {
  std::ofstream out(TestData() / "corpus_expected.tsv");
  out << "# id\thelm4 exit code (0 or 1)\tsha256 of stdout with masked lines\tmasked lines\n";
  for (const Case& c : cases) {
    Expected expected = FromHelm(c);
    out << StableId(c) << '\t' << expected.exit_code << '\t' << expected.digest << '\t';
    std::string masked;
    for (size_t line : expected.masked)
      masked += (masked.empty() ? "" : ",") + std::to_string(line);
    out << (masked.empty() ? "-" : masked) << '\n';
  }
}

bool Updating() {
  const char* update = std::getenv("CONVERGE_UPDATE_EXPECTED");
  return update != nullptr && (std::string(update) == "1" || std::string(update) == "helm-corpus");
}

struct Outcome {
  int exit_code = 0;
  std::string out;
  std::string error;
};

Outcome RenderInProcess(const Case& c) {
  Result<std::unique_ptr<tree::FileTree>> tree = tree::OpenDirectory(c.chart.parent_path());
  if (!tree.ok()) return {1, "", tree.status().message()};
  Result<Chart> chart = LoadChart(**tree, c.chart.filename().string());
  if (!chart.ok()) return {1, "", chart.status().message()};
  Options options{.release_name = "rel"};
  Result<Release> release = Render(*chart, options);
  if (!release.ok()) return {1, "", release.status().message()};
  Result<std::string> text = FormatTemplate(*release, options);
  if (!text.ok()) return {1, "", text.status().message()};
  return {0, std::move(*text), ""};
}

Outcome RenderWithConverge(const Case& c) {
  std::vector<std::string> argv = {converge::testing::ConvergeBinary().string(), "render",
                                   c.chart.string(), "--release-name", "rel"};
  argv.insert(argv.end(), c.flags.begin(), c.flags.end());
  converge::testing::ProcessResult result = converge::testing::Run(argv);
  return {result.exit_code == 0 ? 0 : 1, std::move(result.out), std::move(result.err)};
}

// Compares every case with helm4's cached output and reports the parity.
void CheckParity(const std::vector<Case>& cases, Outcome (*render)(const Case&)) {
  std::map<std::string, Expected> expected = ReadExpected();
  std::map<std::string, std::string> known = ReadKnownFailures();
  size_t matched = 0;
  std::string report;
  for (const Case& c : cases) {
    std::string id = StableId(c);
    auto found = expected.find(id);
    ASSERT_NE(found, expected.end()) << id << " has no expected output; regenerate with "
                                     << "CONVERGE_UPDATE_EXPECTED=helm-corpus";
    Outcome ours = render(c);
    bool same = ours.exit_code == found->second.exit_code &&
                (ours.exit_code != 0 ||
                 Sha256(Masked(ours.out, found->second.masked)) == found->second.digest);
    if (same) ++matched;
    auto listed = known.find(id);
    if (!same && listed == known.end()) {
      ADD_FAILURE() << id << ": differs from helm4 template (helm exit " << found->second.exit_code
                    << ", ours " << ours.exit_code << ")"
                    << (ours.error.empty() ? "" : ": " + ours.error.substr(0, 400));
    }
    if (same && listed != known.end()) {
      ADD_FAILURE() << id << " now matches helm4: remove it from corpus_known_failures.tsv";
    }
    if (!same) report += "  " + id + ": " + (listed == known.end() ? "" : listed->second) + "\n";
  }
  std::printf(
      "[ parity ] %zu of %zu byte-identical to helm4 template (%.1f%%)\n%s", matched, cases.size(),
      100.0 * static_cast<double>(matched) / static_cast<double>(cases.size()), report.c_str());
}

std::vector<Case> AllCases() {
  std::vector<Case> cases = DefaultCases();
  std::vector<Case> combos = ComboCases();
  cases.insert(cases.end(), combos.begin(), combos.end());
  return cases;
}

TEST(CorpusTest, DefaultValuesMatchHelm) {
  if (Updating()) {
    UpdateExpected(AllCases());
    GTEST_SKIP() << "expected outputs regenerated with helm4";
  }
  CheckParity(DefaultCases(), &RenderInProcess);
}

TEST(CorpusTest, FlagCombinationsThroughConvergeRenderMatchHelm) {
  if (Updating()) GTEST_SKIP() << "regenerated by DefaultValuesMatchHelm";
  CheckParity(ComboCases(), &RenderWithConverge);
}

// The first line of an error is helm4's (after its "Error: " prefix), for refused corpus charts
// and for fail, required and nested include failures.
TEST(CorpusTest, ErrorsReadAsHelms) {
  converge::testing::TempDir dir;
  dir.Write("c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n");
  dir.Write("c/templates/_h.tpl",
            "{{- define \"inner\" }}{{ .x.y }}{{ end }}\n"
            "{{- define \"outer\" }}{{ include \"inner\" . }}{{ end }}\n");
  std::vector<std::pair<std::string, std::string>> probes = {
      {"fail", "# {{ fail \"boom\" }}\n"},
      {"required", "# {{ required \"need x\" .Values.x }}\n"},
      {"nested", "# {{ include \"outer\" (dict \"x\" nil) }}\n"},
      {"nested-fail", "# {{ include \"outer\" (dict \"x\" (dict \"y\" (fail \"deep\"))) }}\n"},
      // .Files.GetBytes is a []byte, which string functions refuse.
      {"bytes-b64enc", "# {{ .Files.GetBytes \"templates/a.yaml\" | b64enc }}\n"},
      // Helm decodes the whole document for its head: YAML errors past it count.
      {"yaml-past-head", "kind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [1, 2\n"},
      {"yaml-past-head-quote", "kind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: \"b\n"},
  };
  std::vector<fs::path> charts;
  for (const auto& [name, text] : probes) {
    dir.Write(name + "/Chart.yaml", "apiVersion: v2\nname: " + name + "\nversion: 0.1.0\n");
    dir.Write(name + "/templates/_h.tpl",
              converge::testing::ReadFile(dir.path() / "c/templates/_h.tpl"));
    dir.Write(name + "/templates/a.yaml", text);
    charts.push_back(dir.path() / name);
  }
  for (const char* refused :
       {"chart-bad-requirements", "chart-with-template-with-invalid-yaml", "chart-bad-type",
        "chart-missing-deps", "chart-with-bad-subcharts", "chart-with-schema-negative",
        "chart-with-template-with-invalid-template-expr", "issue1979", "lib-chart",
        "compressedchart-0.1.0.tgz"}) {
    charts.push_back(CorpusDir() / "helm-testcharts" / refused);
  }
  for (const fs::path& chart : charts) {
    Case c{.id = chart.filename().string(), .chart = chart};
    converge::testing::ProcessResult helm = RunHelm(c);
    ASSERT_NE(helm.exit_code, 0) << c.id;
    Outcome ours = RenderInProcess(c);
    ASSERT_NE(ours.exit_code, 0) << c.id;
    std::string expected = helm.err.substr(0, helm.err.find('\n'));
    ASSERT_TRUE(expected.starts_with("Error: ")) << helm.err;
    EXPECT_EQ(ours.error.substr(0, ours.error.find('\n')), expected.substr(7)) << c.id;
  }
}

}  // namespace
}  // namespace converge::sources::helm
