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
  if (!message.starts_with(kTemplate)) return std::string(message);
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

// reformatExecErrorMsg: `fail` and `required` read "execution error at (LOCATION): MESSAGE"
// with the location of the call; other errors show the chain of templates.
Status ExecError(const std::string& name, const Status& error) {
  const std::string& message = error.message();
  for (std::string_view function : {"error calling fail: ", "error calling required: "}) {
    size_t at = message.find(function);
    if (at == std::string::npos) continue;
    size_t template_at = message.rfind("template: ", at);
    if (template_at == std::string::npos) break;
    size_t location = template_at + std::string_view("template: ").size();
    size_t location_end = message.find(": ", location);
    return Status::Invalid("execution error at (" +
                           message.substr(location, location_end - location) +
                           "): " + message.substr(at + function.size()));
  }
  if (!message.starts_with("template: ")) {
    return Status::Invalid("execution error in (" + name + "): " + message);
  }
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

Result<std::map<std::string, std::string>> RenderTemplates(const Chart& chart, const Value& values,
                                                           const Options& options) {
  Status status = Status();
  Value top = Value::Map();
  top.mutable_map()["Capabilities"] = MakeCapabilities(options, status);
  if (!status.ok()) return status;
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

Result<Release> Render(const Chart& root, const Options& options) {
  if (root.IsLibrary()) return Status::Invalid("library charts are not installable");
  if (!root.dependencies.empty()) {
    if (Status s = CheckDependencies(root); !s.ok()) return s;
  }
  Chart chart = root;
  if (Status s = ProcessDependencies(chart, options.values); !s.ok()) return s;
  Result<Value> values = CoalesceValues(chart, options.values);
  if (!values.ok()) return values.status();
  if (Status s = ValidateValues(chart, *values); !s.ok()) return s;
  Result<std::map<std::string, std::string>> rendered =
      RenderTemplates(chart, AsValues(*values), options);
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
