#pragma once
// sources/helm/helm.h: the Helm chart renderer. A chart (a directory or .tgz archive in any file
// tree: disk, Git, memory) and Helm's options in; the manifests and hooks `helm template`
// prints out, byte for byte as helm 4.1.4 prints them. It never talks to a cluster or the
// network: `lookup` finds nothing, remote schema references fail.
//
// Thread-compatible: a loaded Chart is immutable and may be rendered from several threads.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "sources/helm/template/value.h"
#include "sources/tree/tree.h"

namespace converge::sources::helm {

// One file of a chart, named relative to the chart's root ("templates/a.yaml"). The bytes are
// shared: copying a chart, as rendering does to resolve its dependencies, copies no file.
struct File {
  std::string name;
  std::shared_ptr<const std::string> data;
};

// One entry of Chart.yaml's `dependencies` (or v1's requirements.yaml).
struct Dependency {
  std::string name;
  std::string version;
  std::string repository;
  std::string condition;
  std::vector<std::string> tags;
  std::string alias;
  // The raw `import-values` entries: strings or {child, parent} maps.
  std::vector<tmpl::Value> import_values;
  bool enabled = true;
};

struct Chart {
  // Chart.yaml as decoded; the fields below are read from it.
  nlohmann::json metadata;
  std::string api_version;  // "v1" when absent
  std::string name;
  std::string version;
  std::string type;  // "", "application" or "library"
  std::vector<Dependency> dependencies;
  tmpl::Value values;  // values.yaml, a map
  std::string schema;  // values.schema.json, or ""
  std::vector<File> templates;
  // Everything .Files sees: not Chart.yaml, values.yaml, the schema, lock files, templates/ or
  // charts/.
  std::vector<File> files;
  // Sub-charts found in charts/ (directories and .tgz archives), in name order.
  std::vector<Chart> charts;
  // The chart's path in the template namespace ("parent/charts/sub"); set when rendering.
  std::string full_path;

  bool IsLibrary() const { return type == "library"; }
};

// Loads the chart at `path` of `tree`: a directory holding Chart.yaml, or a .tgz archive.
// .helmignore applies to a directory. Fails with Helm's messages ("Chart.yaml file is missing",
// "validation: chart.metadata.name is required", …).
Result<Chart> LoadChart(const tree::FileTree& tree, std::string_view path);
// Loads a gzip-compressed tar archive whose entries sit under one top directory.
Result<Chart> LoadArchive(std::string_view bytes);

// What sigs.k8s.io/yaml says about a YAML error kube reported as "SRC:L:C: document N: PROBLEM
// [while … that starts at line M]": "error converting YAML to JSON: yaml: line N: PROBLEM",
// with goyaml.v2's line (the problem's, 0-based for parser errors). Other messages are kept.
std::string GoYamlError(const std::string& message);

// The values the user gives, in Helm's flags' terms. Each list keeps the flags' order.
struct ValueOptions {
  // -f: (name for messages, content) pairs, merged in order. Argo CD's `values` text and
  // `valuesObject` (as YAML or JSON) go last, as Argo CD passes them.
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<std::string> set_json;     // --set-json a.b={"json":1}
  std::vector<std::string> set;          // --set a.b=1,c={x,y}
  std::vector<std::string> set_string;   // --set-string: every value a string
  std::vector<std::string> set_file;     // --set-file key=path; see read_file
  std::vector<std::string> set_literal;  // --set-literal key=verbatim text
  // Reads a --set-file path; nullptr refuses --set-file.
  std::function<Result<std::string>(const std::string& path)> read_file;
};

// The user's values merged into one map in Helm's order: files, --set-json, --set,
// --set-string, --set-file, --set-literal. Errors use Helm's wording.
Result<tmpl::Value> MergeUserValues(const ValueOptions& options);

struct Options {
  std::string release_name = "release-name";
  std::string release_namespace = "default";
  bool is_upgrade = false;  // .Release.IsUpgrade; IsInstall is its negation
  int revision = 1;
  tmpl::Value values;                     // from MergeUserValues; nil for none
  std::string kube_version;               // "" is Helm's default, v1.35.0 (helm 3: v1.32.0)
  std::vector<std::string> api_versions;  // added to Helm's default list
  // Whose built-in .Capabilities templates see: 4 is helm 4.1.4's; 3 is helm 3.17.2's (its
  // Kubernetes version, API version list and version info), which kustomize's helmCharts run.
  int helm_major = 4;
  bool include_crds = false;
  bool no_hooks = false;
  bool skip_tests = false;
  // Globs (Go's filepath.Match) over a manifest's path after the chart name.
  std::vector<std::string> show_only;
  // Seeds random functions for tests (see tmpl::Options); unset they are random, as Helm's.
  std::optional<uint64_t> seed;
};

// One document of the output with what the sync engine needs to know about it.
struct Manifest {
  std::string path;     // "chart/templates/a.yaml"
  std::string content;  // the document's text, trimmed
  std::string kind;
  std::string name;
  // The helm.sh/hook events ("pre-install", "test", …); empty for a plain manifest.
  std::vector<std::string> hook_events;
};

struct Release {
  std::vector<Manifest> crds;       // crds/ files, verbatim, only with include_crds
  std::vector<Manifest> manifests;  // in install order
  std::vector<Manifest> hooks;      // in kind order; empty with no_hooks
  std::string notes;                // the root chart's rendered NOTES.txt
};

// Renders `chart` as `helm template` does. Errors read as Helm's do ("execution error at
// (chart/templates/x.yaml:12:4): …", "YAML parse error on …").
Result<Release> Render(const Chart& chart, const Options& options);

// The bytes `helm template` prints for a release: CRDs, manifests, then hooks, each as
// "---\n# Source: PATH\nDOC\n"; with show_only only the matching documents. Fails when a
// show_only glob matches nothing ("could not find template X in chart").
Result<std::string> FormatTemplate(const Release& release, const Options& options);

}  // namespace converge::sources::helm
