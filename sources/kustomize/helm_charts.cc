// The helmCharts generator: kustomize's HelmChartInflationGenerator, which runs helm 3's
// `helm template` on a chart under chartHome, done in-process with sources/helm. Charts are
// never pulled: a chart that is not under chartHome fails, naming the repository it would
// have come from.
#include <algorithm>

#include "sources/helm/helm.h"
#include "sources/helm/template/template.h"
#include "sources/kustomize/internal.h"

namespace converge::sources::kustomize {
namespace {

constexpr std::string_view kMergeOptions[] = {"merge", "override", "replace"};

std::string StringOf(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json WithoutNulls(json node) {
  if (!node.is_object()) return node;
  for (auto it = node.begin(); it != node.end();) {
    if (it->is_null()) {
      it = node.erase(it);
    } else {
      *it = WithoutNulls(std::move(*it));
      ++it;
    }
  }
  return node;
}

std::string_view NodeKind(const json& node) {
  return node.is_object() ? "MappingNode" : node.is_array() ? "SequenceNode" : "ScalarNode";
}

// kyaml's merge2 without a schema: `src` wins over `dest`, maps merge deeply, a null in `src`
// deletes the field, lists are replaced whole, and a field of another kind is an error.
Result<json> MergeValues(json dest, const json& src) {
  if (dest.is_null()) return WithoutNulls(src);
  if (NodeKind(dest) != NodeKind(src)) {
    return Status::Invalid("wrong node kind: expected " + std::string(NodeKind(dest)) +
                           " but got " + std::string(NodeKind(src)) + ": node contents:\n" +
                           kube::EncodeYaml(src));
  }
  if (!src.is_object()) return WithoutNulls(src);
  for (auto it = src.begin(); it != src.end(); ++it) {
    if (it->is_null()) {
      dest.erase(it.key());
      continue;
    }
    Result<json> merged = MergeValues(dest.value(it.key(), json()), *it);
    if (!merged.ok()) return merged.status();
    dest[it.key()] = std::move(*merged);
  }
  return dest;
}

// The release name `helm template` uses for the arguments kustomize gives it.
Result<std::string> ReleaseName(const json& entry) {
  std::string name = StringOf(entry, "releaseName");
  std::string name_template = StringOf(entry, "nameTemplate");
  if (!name_template.empty()) {
    if (!name.empty()) return Status::Invalid("cannot set --name-template and also specify a name");
    helm::tmpl::TemplateSet set;
    if (Status s = set.AddFile("name-template", name_template); !s.ok()) return s;
    Result<std::string> rendered = set.Execute("name-template", helm::tmpl::Value());
    if (!rendered.ok()) return rendered.status();
    name = *rendered;
  }
  // kustomize passes --generate-name without a name, which `helm template` ignores.
  if (name.empty()) name = "release-name";
  return name;
}

// Configuration errors read as kustomize's plugin configuration errors do.
Status ConfigError(const json& entry, const Status& status) {
  return status.Wrap("trouble configuring builtin HelmChartInflationGenerator with config: `\n" +
                     kube::EncodeYaml(entry) + "`");
}

// Where the chart sits: chartHome/name, or chartHome/name-version/name when both a version
// and a repository are given (where `helm pull --untar` would put it).
std::string ChartPath(const json& entry) {
  std::string home = StringOf(entry, "chartHome");
  std::string name = StringOf(entry, "name");
  std::string version = StringOf(entry, "version");
  if (!version.empty() && !StringOf(entry, "repo").empty()) {
    home = tree::Join(home, name + "-" + version);
  }
  return tree::Join(home, name);
}

// valuesInline merged with the values file as valuesMerge says (override: inline wins; merge:
// the file wins), read as kyaml reads it.
Result<json> MergeInline(const json& inline_values, const std::string& merge,
                         const std::string& text, const std::string& source) {
  Result<std::vector<kube::Document>> docs =
      kube::DecodeStream(text, source, kube::DecodeOptions{.yaml_1_2 = true});
  if (!docs.ok()) {
    std::string message = helm::GoYamlError(docs.status().message());
    constexpr std::string_view kConverting = "error converting YAML to JSON: ";
    if (message.starts_with(kConverting)) message.erase(0, kConverting.size());
    return Status::Invalid("could not parse values file into rnode: " + message);
  }
  if (docs->empty()) return Status::Invalid("could not parse values file into rnode: EOF");
  const json& file = docs->front().value;
  Result<json> merged =
      merge == "override" ? MergeValues(file, inline_values) : MergeValues(inline_values, file);
  if (!merged.ok()) return merged.status().Wrap("could not merge values");
  return merged;
}

// The user values, as the files kustomize hands helm with -f: the values file, or the inline
// values (merged with it unless valuesMerge is replace), then the additional files.
Result<helm::ValueOptions> UserValues(const json& entry, const HelmContext& context,
                                      const std::vector<std::string>& additional) {
  std::string values_file = StringOf(entry, "valuesFile");
  if (values_file.empty()) values_file = tree::Join(ChartPath(entry), "values.yaml");
  json inline_values = entry.value("valuesInline", json::object());
  std::string merge = entry.value("valuesMerge", "override");
  bool has_inline = inline_values.is_object() && !inline_values.empty();
  helm::ValueOptions options;
  if (has_inline && merge == "replace") {
    // JSON text is YAML that keeps every string a string whatever it spells.
    options.files.emplace_back("valuesInline", inline_values.dump());
  } else {
    Result<std::string> text = context.read(values_file);
    if (!text.ok()) return text.status();
    std::string source = context.abs(values_file);
    if (has_inline) {
      Result<json> merged = MergeInline(inline_values, merge, *text, source);
      if (!merged.ok()) return merged.status();
      options.files.emplace_back(source, merged->dump());
    } else {
      options.files.emplace_back(source, std::move(*text));
    }
  }
  for (size_t i = 0; i < additional.size(); ++i) {
    options.files.emplace_back(context.abs(entry["additionalValuesFiles"][i].get<std::string>()),
                               additional[i]);
  }
  return options;
}

// Checks the entry as kustomize's plugin Config does; returns the additional values files.
Result<std::vector<std::string>> Configure(const json& entry, const HelmContext& context) {
  if (StringOf(entry, "name").empty()) return Status::Invalid("chart name cannot be empty");
  std::vector<std::string> additional;
  for (const json& file : entry.value("additionalValuesFiles", json::array())) {
    Result<std::string> text = context.read(file.is_string() ? file.get<std::string>() : "");
    if (!text.ok()) return text.status().Wrap("could not load additionalValuesFile");
    additional.push_back(std::move(*text));
  }
  std::string merge = entry.value("valuesMerge", "");
  if (!merge.empty() && std::find(std::begin(kMergeOptions), std::end(kMergeOptions), merge) ==
                            std::end(kMergeOptions)) {
    return Status::Invalid("valuesMerge must be one of [merge override replace]");
  }
  return additional;
}

Result<helm::Options> RenderOptions(const json& entry) {
  Result<std::string> release_name = ReleaseName(entry);
  if (!release_name.ok()) return release_name.status();
  helm::Options options{
      .release_name = *release_name,
      .kube_version = StringOf(entry, "kubeVersion"),
      .helm_major = 3,
      .include_crds = entry.value("includeCRDs", false),
      .no_hooks = entry.value("skipHooks", false),
      .skip_tests = entry.value("skipTests", false),
  };
  if (std::string ns = StringOf(entry, "namespace"); !ns.empty()) options.release_namespace = ns;
  for (const json& version : entry.value("apiVersions", json::array())) {
    if (version.is_string()) options.api_versions.push_back(version.get<std::string>());
  }
  return options;
}

// Renders a chart found in place: helm's own errors get helm's "Error: " first line.
Result<std::string> Template(const json& entry, const HelmContext& context,
                             const std::string& chart_path,
                             const std::vector<std::string>& additional) {
  Result<helm::ValueOptions> value_options = UserValues(entry, context, additional);
  if (!value_options.ok()) return value_options.status();
  auto helm_error = [&](const Status& status) {
    return Status::Invalid("Error: " + status.message() + "\n: helm template of chart '" +
                           context.abs(chart_path) + "'");
  };
  Result<helm::tmpl::Value> values = helm::MergeUserValues(*value_options);
  if (!values.ok()) return helm_error(values.status());
  Result<helm::Options> options = RenderOptions(entry);
  if (!options.ok()) return helm_error(options.status());
  options->values = std::move(*values);
  Result<helm::Chart> chart = helm::LoadChart(context.tree, chart_path);
  if (!chart.ok()) return helm_error(chart.status());
  Result<helm::Release> release = helm::Render(*chart, *options);
  if (!release.ok()) return helm_error(release.status());
  Result<std::string> text = helm::FormatTemplate(*release, *options);
  if (!text.ok()) return helm_error(text.status());
  return text;
}

}  // namespace

json HelmChartEntries(const json& kustomization) {
  json globals = kustomization.value("helmGlobals", json());
  json charts = kustomization.value("helmCharts", json::array());
  if (!charts.is_array()) charts = json::array();
  json legacy = kustomization.value("helmChartInflationGenerator", json::array());
  json legacy_globals = json::object();
  if (legacy.is_array()) {
    for (const json& old : legacy) {
      if (!old.is_object()) continue;
      json chart = json::object();
      for (auto [from, to] : {std::pair{"chartName", "name"},
                              {"chartVersion", "version"},
                              {"chartRepoUrl", "repo"},
                              {"values", "valuesFile"},
                              {"valuesLocal", "valuesInline"},
                              {"valuesMerge", "valuesMerge"},
                              {"releaseName", "releaseName"}}) {
        if (old.contains(from)) chart[to] = old[from];
      }
      for (auto [from, to] : {std::pair{"chartHome", "chartHome"}, {"helmHome", "configHome"}}) {
        if (!StringOf(old, from).empty()) legacy_globals[to] = old[from];
      }
      charts.push_back(std::move(chart));
    }
  }
  if (!globals.is_object()) globals = legacy_globals;
  json entries = json::array();
  for (const json& chart : charts) {
    if (!chart.is_object()) continue;
    json entry = chart;
    for (const char* field : {"chartHome", "configHome"}) {
      if (globals.contains(field)) entry[field] = globals[field];
    }
    if (StringOf(entry, "chartHome").empty()) entry["chartHome"] = "charts";
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<std::string> InflateHelmChart(const json& entry, const HelmContext& context) {
  Result<std::vector<std::string>> additional = Configure(entry, context);
  if (!additional.ok()) return ConfigError(entry, additional.status());
  Result<std::string> chart_path = context.resolve(ChartPath(entry));
  Result<tree::EntryType> type = chart_path.ok() ? context.tree.Stat(*chart_path)
                                                 : Result<tree::EntryType>(chart_path.status());
  if (!type.ok() || *type != tree::EntryType::kDirectory) {
    std::string repo = StringOf(entry, "repo");
    if (repo.empty()) return Status::NotFound("no repo specified for pull, no chart found at ''");
    return Status::NotFound("helmCharts: chart '" + StringOf(entry, "name") + "' is not at '" +
                            context.abs(chart_path.ok() ? *chart_path : ChartPath(entry)) +
                            "' and Converge does not pull charts (repo " + repo +
                            "); vendor the chart there");
  }
  return Template(entry, context, *chart_path, *additional);
}

}  // namespace converge::sources::kustomize
