#include "operator/cli/render_helm.h"

#include "base/file.h"
#include "sources/helm/helm.h"

namespace converge::cli {
namespace {

FlagSpec ListFlag(std::string name, std::string value_name, std::string help, char short_name = 0) {
  return {.name = std::move(name),
          .short_name = short_name,
          .type = FlagType::kList,
          .value_name = std::move(value_name),
          .help = std::move(help)};
}

Result<std::string> ReadLocalFile(const std::string& path) {
  std::optional<std::string> content = ReadFile(path);
  if (!content) return Status::NotFound("open " + path + ": no such file or directory");
  return std::move(*content);
}

Result<sources::helm::Options> HelmOptions(const ParsedFlags& flags) {
  sources::helm::ValueOptions values{.set_json = flags.List("set-json"),
                                     .set = flags.List("set"),
                                     .set_string = flags.List("set-string"),
                                     .set_file = flags.List("set-file"),
                                     .set_literal = flags.List("set-literal"),
                                     .read_file = ReadLocalFile};
  for (const std::string& path : flags.List("values")) {
    Result<std::string> content = ReadLocalFile(path);
    if (!content.ok()) return content.status();
    values.files.emplace_back(path, std::move(*content));
  }
  Result<sources::helm::tmpl::Value> merged = sources::helm::MergeUserValues(values);
  if (!merged.ok()) return merged.status();
  return sources::helm::Options{
      .release_name = flags.String("release-name"),
      .release_namespace = flags.Has("namespace") ? flags.String("namespace") : "default",
      .values = std::move(*merged),
      .kube_version = flags.String("kube-version"),
      .api_versions = flags.List("api-versions"),
      .include_crds = flags.Bool("include-crds"),
      .no_hooks = flags.Bool("no-hooks"),
      .skip_tests = flags.Bool("skip-tests"),
      .show_only = flags.List("show-only")};
}

}  // namespace

std::vector<FlagSpec> HelmRenderFlags() {
  return {
      {.name = "release-name",
       .value_name = "NAME",
       .help = "helm: .Release.Name",
       .default_value = "release-name"},
      ListFlag("values", "FILE", "helm: a values file (repeatable)", 'f'),
      ListFlag("set", "K=V", "helm: set values (a.b=1,c={x,y})"),
      ListFlag("set-string", "K=V", "helm: set string values"),
      ListFlag("set-json", "K=JSON", "helm: set JSON values"),
      ListFlag("set-literal", "K=V", "helm: set a value verbatim"),
      ListFlag("set-file", "K=PATH", "helm: set a value to a file's content"),
      {.name = "kube-version", .value_name = "V", .help = "helm: .Capabilities.KubeVersion"},
      ListFlag("api-versions", "GV", "helm: add to .Capabilities.APIVersions"),
      {.name = "include-crds", .type = FlagType::kBool, .help = "helm: print crds/ too"},
      {.name = "no-hooks", .type = FlagType::kBool, .help = "helm: leave hooks out"},
      {.name = "skip-tests", .type = FlagType::kBool, .help = "helm: leave test hooks out"},
      ListFlag("show-only", "GLOB", "helm: only manifests from matching templates"),
  };
}

Result<HelmOutput> RenderHelm(const sources::tree::FileTree& tree, std::string_view chart_path,
                              const ParsedFlags& flags, bool want_objects) {
  Result<sources::helm::Chart> chart = sources::helm::LoadChart(tree, chart_path);
  if (!chart.ok()) return chart.status();
  Result<sources::helm::Options> options = HelmOptions(flags);
  if (!options.ok()) return options.status();
  Result<sources::helm::Release> release = sources::helm::Render(*chart, *options);
  if (!release.ok()) return release.status();
  Result<std::string> text = sources::helm::FormatTemplate(*release, *options);
  if (!text.ok()) return text.status();
  HelmOutput output{.text = std::move(*text)};
  if (want_objects) {
    Result<std::vector<kube::Object>> objects = kube::DecodeObjects(output.text, "helm template");
    if (!objects.ok()) return objects.status();
    output.objects = std::move(*objects);
  }
  return output;
}

}  // namespace converge::cli
