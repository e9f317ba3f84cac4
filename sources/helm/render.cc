// Rendering as pkg/engine does it: every template of every chart in one namespace, parsed
// deepest path first (so a parent's define wins), then executed in that order, each with its
// chart's dot; then pkg/action's split, hook and kind sorting.

#include <algorithm>
#include <map>

#include "sources/helm/internal.h"
#include "sources/helm/template/template.h"

namespace converge::sources::helm {
namespace {

using tmpl::Value;

struct Renderable {
  std::string name;
  const std::string* text;
  Value dot;
  std::string base_path;
};

// recAllTpls: the dot of `chart` and its templates (library charts give only partials).
Value CollectTemplates(const Chart& chart, const std::string& full_path, const Value& parent,
                       bool is_root, std::vector<Renderable>& out) {
  Value subcharts = Value::Map();
  Value dot = Value::Map();
  auto& map = dot.mutable_map();
  map["Chart"] = MakeChartObject(chart, is_root);
  map["Files"] = MakeFiles(chart.files);
  map["Release"] = parent.map().at("Release");
  map["Capabilities"] = parent.map().at("Capabilities");
  map["Subcharts"] = subcharts;
  const Value& parent_values = parent.map().at("Values");
  if (is_root) {
    map["Values"] = parent_values;
  } else if (auto found = parent_values.map().find(chart.name);
             found != parent_values.map().end() && found->second.kind() == Value::Kind::kMap) {
    map["Values"] = AsValues(found->second);
  } else {
    map["Values"] = Value::Map(tmpl::ElemType::kValues);
  }
  for (const Chart& sub : chart.charts) {
    subcharts.mutable_map()[sub.name] =
        CollectTemplates(sub, full_path + "/charts/" + sub.name, dot, false, out);
  }
  for (const File& file : chart.templates) {
    std::string_view base = std::string_view(file.name).substr(file.name.rfind('/') + 1);
    if (chart.IsLibrary() && !base.starts_with('_')) continue;
    out.push_back({.name = full_path + "/" + file.name,
                   .text = file.data.get(),
                   .dot = dot,
                   .base_path = full_path + "/templates"});
  }
  return dot;
}

// sortTemplates: deepest path first, reverse-alphabetical among equal depths.
void SortForParsing(std::vector<Renderable>& renderables) {
  std::sort(renderables.begin(), renderables.end(), [](const Renderable& a, const Renderable& b) {
    auto depth = [](const std::string& name) { return std::count(name.begin(), name.end(), '/'); };
    if (depth(a.name) != depth(b.name)) return depth(a.name) > depth(b.name);
    return a.name > b.name;
  });
}

// cleanupParseError.
Status ParseError(const std::string& name, const Status& error) {
  const std::string& message = error.message();
  std::vector<std::string> tokens;
  size_t start = 0;
  while (true) {
    size_t found = message.find(": ", start);
    tokens.push_back(message.substr(start, found == std::string::npos ? found : found - start));
    if (found == std::string::npos) break;
    start = found + 2;
  }
  if (tokens.size() == 1) return Status::Invalid("parse error in (" + name + "): " + message);
  return Status::Invalid("parse error at (" + tokens[1] + "): " + tokens.back());
}

// One link of Go's execution error chain, `template: LOC: executing "NAME" at <NODE>: REST`,
// printed as helm4 prints it: "LOC\n  executing \"NAME\" at <NODE>:\n    REST", an include's
// nested error on the following lines.
std::string ExecChain(std::string_view message) {
  constexpr std::string_view kTemplate = "template: ";
  constexpr std::string_view kIncludeError = "error calling include: ";
  // Go's "template: no template %q associated with template %q" is kept whole.
  if (!message.starts_with(kTemplate) ||
      message.substr(kTemplate.size()).starts_with("no template ")) {
    return std::string(message);
  }
  message.remove_prefix(kTemplate.size());
  size_t colon = message.find(": ");
  if (colon == std::string_view::npos) return std::string(message);
  std::string out(message.substr(0, colon));
  std::string_view rest = message.substr(colon + 2);
  size_t node_end = rest.starts_with("executing \"") ? rest.find(">: ") : std::string_view::npos;
  if (node_end == std::string_view::npos) return out + ": " + std::string(rest);
  out += "\n  " + std::string(rest.substr(0, node_end + 1)) + ":\n    ";
  rest = rest.substr(node_end + 3);
  if (rest.starts_with(kIncludeError)) {
    return out + "error calling include:\n" + ExecChain(rest.substr(kIncludeError.size()));
  }
  return out + std::string(rest);
}

// Whether Go's error chain ends in a function's own error. text/template wraps what a function
// returns ("error calling F: %w") and include returns the included template's error as it is,
// so the chain goes on through includes; any other function's error ends it.
bool EndsInFunctionError(std::string_view message) {
  constexpr std::string_view kIncludeError = "error calling include: ";
  while (message.starts_with("template: ")) {
    size_t node_end = message.find(">: ");
    if (node_end == std::string_view::npos) return false;
    std::string_view rest = message.substr(node_end + 3);
    if (!rest.starts_with("error calling ")) return false;
    if (!rest.starts_with(kIncludeError)) return true;
    message = rest.substr(kIncludeError.size());
  }
  return false;
}

// reformatExecErrorMsg: `fail` and `required` read "execution error at (LOCATION): MESSAGE"
// with the location of the outermost call; an error that ends in a function's own error keeps
// Go's one-line form; other errors show the chain of templates.
Status ExecError(const std::string& name, const Status& error) {
  const std::string& message = error.message();
  constexpr std::string_view kTemplate = "template: ";
  for (std::string_view function : {"error calling fail: ", "error calling required: "}) {
    size_t at = message.find(function);
    if (at == std::string::npos || !message.starts_with(kTemplate)) continue;
    size_t location_end = message.find(": ", kTemplate.size());
    return Status::Invalid("execution error at (" +
                           message.substr(kTemplate.size(), location_end - kTemplate.size()) +
                           "): " + message.substr(at + function.size()));
  }
  if (!message.starts_with(kTemplate)) {
    return Status::Invalid("execution error in (" + name + "): " + message);
  }
  if (EndsInFunctionError(message)) return Status::Invalid(message);
  return Status::Invalid(ExecChain(message));
}

// Listed dependencies that charts/ lacks (action.CheckDependencies).
Status CheckDependencies(const Chart& chart) {
  std::string missing;
  for (const Dependency& dependency : chart.dependencies) {
    bool found = std::any_of(chart.charts.begin(), chart.charts.end(),
                             [&](const Chart& sub) { return sub.name == dependency.name; });
    if (found) continue;
    missing += (missing.empty() ? "" : ", ") + dependency.name;
  }
  if (missing.empty()) return Status();
  return Status::Invalid(
      "an error occurred while checking for chart dependencies. You may need to run `helm "
      "dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in "
      "charts/ directory: " +
      missing);
}

// chartutil.ValidateReleaseName: a DNS-1123 subdomain of at most 53 characters.
bool ValidReleaseName(std::string_view name) {
  if (name.size() > 53) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    std::string_view label = name.substr(start, end == std::string_view::npos ? end : end - start);
    if (label.empty() || !alnum(label.front()) || !alnum(label.back())) return false;
    if (!std::all_of(label.begin(), label.end(), [&](char c) { return alnum(c) || c == '-'; })) {
      return false;
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return true;
}

// Install.availableName, which helm 4 wraps in "release name check failed".
Status CheckReleaseName(const Options& options) {
  const std::string& name = options.release_name;
  std::string problem;
  if (name.empty()) {
    problem = "no name provided";
  } else if (!ValidReleaseName(name)) {
    problem =
        "invalid release name, must match regex "
        "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must "
        "not be longer than 53";
  } else {
    return Status();
  }
  const Value operand[] = {Value::String(name)};
  return Status::Invalid(std::string(options.helm_major == 3 ? "" : "release name check failed: ") +
                         tmpl::Sprintf("release name %q: ", operand) + problem);
}

// renderResources refuses a chart whose kubeVersion constraint the target Kubernetes does not
// satisfy, the version as KubeVersion's String gives it (helm 4's drops pre-release and build).
Status CheckKubeVersion(const Chart& chart, const Value& capabilities) {
  auto found = chart.metadata.find("kubeVersion");
  if (found == chart.metadata.end() || !found->is_string() || found->get<std::string>().empty()) {
    return Status();
  }
  std::string constraint = found->get<std::string>();
  const Value& kube = capabilities.map().at("KubeVersion");
  std::string version = kube.methods()->String(kube).value_or("");
  Result<bool> satisfied = tmpl::SemverSatisfies(constraint, version);
  if (satisfied.ok() && *satisfied) return Status();
  return Status::Invalid("chart requires kubeVersion: " + constraint +
                         " which is incompatible with Kubernetes " + version);
}

Result<std::map<std::string, std::string>> RenderTemplates(const Chart& chart, const Value& values,
                                                           const Value& capabilities,
                                                           const Options& options) {
  Value top = Value::Map();
  top.mutable_map()["Capabilities"] = capabilities;
  Value release = Value::Map();
  auto& fields = release.mutable_map();
  fields["Name"] = Value::String(options.release_name);
  fields["Namespace"] = Value::String(options.release_namespace);
  fields["IsUpgrade"] = Value::Bool(options.is_upgrade);
  fields["IsInstall"] = Value::Bool(!options.is_upgrade);
  fields["Revision"] = Value::Int(options.revision);
  fields["Service"] = Value::String("Helm");
  top.mutable_map()["Release"] = release;
  top.mutable_map()["Values"] = values;

  std::vector<Renderable> renderables;
  CollectTemplates(chart, chart.name, top, true, renderables);
  SortForParsing(renderables);
  tmpl::TemplateSet set({.seed = options.seed});
  for (const Renderable& renderable : renderables) {
    if (Status s = set.AddFile(renderable.name, *renderable.text); !s.ok()) {
      return ParseError(renderable.name, s);
    }
  }
  std::map<std::string, std::string> rendered;
  for (Renderable& renderable : renderables) {
    std::string_view base =
        std::string_view(renderable.name).substr(renderable.name.rfind('/') + 1);
    if (base.starts_with('_')) continue;
    Value template_object = Value::Map(tmpl::ElemType::kValues);
    template_object.mutable_map()["Name"] = Value::String(renderable.name);
    template_object.mutable_map()["BasePath"] = Value::String(renderable.base_path);
    renderable.dot.mutable_map()["Template"] = template_object;
    Result<std::string> text = set.Execute(renderable.name, renderable.dot);
    if (!text.ok()) return ExecError(renderable.name, text.status());
    rendered[renderable.name] = tmpl::StripNoValue(std::move(*text));
  }
  return rendered;
}

void CollectCrds(const Chart& chart, const std::string& full_path, std::vector<Manifest>& out) {
  for (const File& file : chart.files) {
    if (!file.name.starts_with("crds/")) continue;
    if (!file.name.ends_with(".yaml") && !file.name.ends_with(".yml") &&
        !file.name.ends_with(".json")) {
      continue;
    }
    out.push_back({.path = full_path + "/" + file.name, .content = *file.data});
  }
  for (const Chart& sub : chart.charts) CollectCrds(sub, full_path + "/charts/" + sub.name, out);
}

}  // namespace

Status SortManifests(const std::map<std::string, std::string>& files, Release& release);

// The checks run in helm's order: --kube-version when parsing flags, then the chart's type and
// dependencies, the release name, values, and the chart's kubeVersion before any template.
Result<Release> Render(const Chart& root, const Options& options) {
  Status status = Status();
  Value capabilities = MakeCapabilities(options, status);
  if (!status.ok()) return status;
  if (root.IsLibrary()) return Status::Invalid("library charts are not installable");
  if (!root.dependencies.empty()) {
    if (Status s = CheckDependencies(root); !s.ok()) return s;
  }
  if (Status s = CheckReleaseName(options); !s.ok()) return s;
  Chart chart = root;
  if (Status s = ProcessDependencies(chart, options.values); !s.ok()) {
    if (options.helm_major == 3) return s;
    return Status::Invalid("chart dependencies processing failed: " + s.message());
  }
  Result<Value> values = CoalesceValues(chart, options.values);
  if (!values.ok()) return values.status();
  if (Status s = ValidateValues(chart, *values); !s.ok()) return s;
  if (Status s = CheckKubeVersion(chart, capabilities); !s.ok()) return s;
  Result<std::map<std::string, std::string>> rendered =
      RenderTemplates(chart, AsValues(*values), capabilities, options);
  if (!rendered.ok()) return rendered.status();
  Release release;
  std::string notes_path = chart.name + "/templates/NOTES.txt";
  for (auto it = rendered->begin(); it != rendered->end();) {
    if (!it->first.ends_with("NOTES.txt")) {
      ++it;
      continue;
    }
    if (it->first == notes_path) release.notes = it->second;
    it = rendered->erase(it);
  }
  if (Status s = SortManifests(*rendered, release); !s.ok()) return s;
  if (options.include_crds) CollectCrds(chart, chart.name, release.crds);
  return release;
}

}  // namespace converge::sources::helm
