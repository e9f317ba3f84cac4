#include "operator/application/application.h"

#include "base/duration.h"

namespace converge::app {
namespace {

using nlohmann::json;

// Reads typed fields of one JSON object, remembering the first error with the field's path.
class Reader {
 public:
  Reader(const json& node, std::string path) : node_(node), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  std::string Field(std::string_view key) const { return path_ + "." + std::string(key); }

  const json* Find(std::string_view key) const {
    if (!node_.is_object()) return nullptr;
    auto it = node_.find(key);
    return it == node_.end() || it->is_null() ? nullptr : &*it;
  }

  std::string String(std::string_view key, Status& status) const {
    const json* value = Find(key);
    if (value == nullptr) return "";
    if (!value->is_string()) {
      Fail(status, Field(key) + ": must be a string");
      return "";
    }
    return value->get<std::string>();
  }

  bool Bool(std::string_view key, bool fallback, Status& status) const {
    const json* value = Find(key);
    if (value == nullptr) return fallback;
    if (!value->is_boolean()) {
      Fail(status, Field(key) + ": must be a boolean");
      return fallback;
    }
    return value->get<bool>();
  }

  std::optional<int64_t> Int(std::string_view key, Status& status) const {
    const json* value = Find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number_integer()) {
      Fail(status, Field(key) + ": must be an integer");
      return std::nullopt;
    }
    return value->get<int64_t>();
  }

  std::vector<std::string> Strings(std::string_view key, Status& status) const {
    std::vector<std::string> out;
    const json* value = Find(key);
    if (value == nullptr) return out;
    if (!value->is_array()) {
      Fail(status, Field(key) + ": must be a list of strings");
      return out;
    }
    for (size_t i = 0; i < value->size(); ++i) {
      if (!(*value)[i].is_string()) {
        Fail(status, Field(key) + "[" + std::to_string(i) + "]: must be a string");
        return {};
      }
      out.push_back((*value)[i].get<std::string>());
    }
    return out;
  }

  std::map<std::string, std::string> StringMap(std::string_view key, Status& status) const {
    std::map<std::string, std::string> out;
    const json* value = Find(key);
    if (value == nullptr) return out;
    if (!value->is_object()) {
      Fail(status, Field(key) + ": must be a map of strings");
      return out;
    }
    for (const auto& [k, v] : value->items()) {
      if (!v.is_string()) {
        Fail(status, Field(key) + "." + k + ": must be a string");
        return {};
      }
      out[k] = v.get<std::string>();
    }
    return out;
  }

  // The elements of a list of objects, each with its own reader.
  std::vector<Reader> Objects(std::string_view key, Status& status) const {
    std::vector<Reader> out;
    const json* value = Find(key);
    if (value == nullptr) return out;
    if (!value->is_array()) {
      Fail(status, Field(key) + ": must be a list");
      return out;
    }
    for (size_t i = 0; i < value->size(); ++i) {
      std::string path = Field(key) + "[" + std::to_string(i) + "]";
      if (!(*value)[i].is_object()) {
        Fail(status, path + ": must be an object");
        return {};
      }
      out.emplace_back((*value)[i], std::move(path));
    }
    return out;
  }

  std::optional<Reader> Object(std::string_view key, Status& status) const {
    const json* value = Find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_object()) {
      Fail(status, Field(key) + ": must be an object");
      return std::nullopt;
    }
    return Reader(*value, Field(key));
  }

  static void Fail(Status& status, std::string message) {
    if (status.ok()) status = Status::Invalid(std::move(message));
  }

 private:
  const json& node_;
  std::string path_;
};

HelmSource ReadHelm(const Reader& r, Status& status) {
  HelmSource helm;
  helm.value_files = r.Strings("valueFiles", status);
  helm.values = r.String("values", status);
  if (const json* object = r.Find("valuesObject")) {
    if (!object->is_object()) Reader::Fail(status, r.Field("valuesObject") + ": must be a map");
    helm.values_object = *object;
  }
  for (const Reader& p : r.Objects("parameters", status)) {
    helm.parameters.push_back({.name = p.String("name", status),
                               .value = p.String("value", status),
                               .force_string = p.Bool("forceString", false, status)});
    if (helm.parameters.back().name.empty()) Reader::Fail(status, p.Field("name") + ": required");
  }
  for (const Reader& p : r.Objects("fileParameters", status)) {
    helm.file_parameters.push_back(
        {.name = p.String("name", status), .path = p.String("path", status)});
    if (helm.file_parameters.back().name.empty() || helm.file_parameters.back().path.empty()) {
      Reader::Fail(status, p.path() + ": name and path are required");
    }
  }
  helm.release_name = r.String("releaseName", status);
  helm.skip_crds = r.Bool("skipCrds", false, status);
  helm.skip_tests = r.Bool("skipTests", false, status);
  helm.skip_schema_validation = r.Bool("skipSchemaValidation", false, status);
  helm.ignore_missing_value_files = r.Bool("ignoreMissingValueFiles", false, status);
  helm.ns = r.String("namespace", status);
  helm.kube_version = r.String("kubeVersion", status);
  helm.api_versions = r.Strings("apiVersions", status);
  return helm;
}

KustomizeSource ReadKustomize(const Reader& r, Status& status) {
  KustomizeSource k;
  k.name_prefix = r.String("namePrefix", status);
  k.name_suffix = r.String("nameSuffix", status);
  k.images = r.Strings("images", status);
  k.common_labels = r.StringMap("commonLabels", status);
  k.common_annotations = r.StringMap("commonAnnotations", status);
  k.force_common_labels = r.Bool("forceCommonLabels", false, status);
  k.force_common_annotations = r.Bool("forceCommonAnnotations", false, status);
  k.label_without_selector = r.Bool("labelWithoutSelector", false, status);
  k.ns = r.String("namespace", status);
  for (const Reader& replica : r.Objects("replicas", status)) {
    KustomizeReplica out{.name = replica.String("name", status)};
    // Argo CD accepts the count as a number or a numeric string.
    const json* count = replica.Find("count");
    if (count != nullptr && count->is_number_integer()) {
      out.count = count->get<int64_t>();
    } else if (count != nullptr && count->is_string() && !count->get<std::string>().empty() &&
               count->get<std::string>().find_first_not_of("0123456789") == std::string::npos) {
      out.count = std::stoll(count->get<std::string>());
    } else {
      Reader::Fail(status, replica.Field("count") + ": must be a non-negative integer");
    }
    k.replicas.push_back(std::move(out));
  }
  if (const json* patches = r.Find("patches")) {
    if (!patches->is_array()) Reader::Fail(status, r.Field("patches") + ": must be a list");
    k.patches = *patches;
  }
  k.components = r.Strings("components", status);
  k.kube_version = r.String("kubeVersion", status);
  k.api_versions = r.Strings("apiVersions", status);
  return k;
}

Source ReadSource(const Reader& r, Status& status) {
  Source source;
  source.repo_url = r.String("repoURL", status);
  if (source.repo_url.empty()) Reader::Fail(status, r.Field("repoURL") + ": required");
  if (std::string revision = r.String("targetRevision", status); !revision.empty()) {
    source.target_revision = revision;
  }
  source.path = r.String("path", status);
  source.chart = r.String("chart", status);
  source.ref = r.String("ref", status);
  if (!source.chart.empty()) {
    Reader::Fail(status, r.Field("chart") +
                             ": charts from Helm repositories are not supported; keep the chart "
                             "in Git and name its directory in path");
  }
  if (auto helm = r.Object("helm", status)) source.helm = ReadHelm(*helm, status);
  if (auto kustomize = r.Object("kustomize", status)) {
    source.kustomize = ReadKustomize(*kustomize, status);
  }
  if (auto directory = r.Object("directory", status)) {
    source.directory = DirectorySource{.recurse = directory->Bool("recurse", false, status),
                                       .include = directory->String("include", status),
                                       .exclude = directory->String("exclude", status)};
  }
  int kinds = (source.helm ? 1 : 0) + (source.kustomize ? 1 : 0) + (source.directory ? 1 : 0);
  if (kinds > 1) {
    Reader::Fail(status, r.path() +
                             ": multiple application sources defined (use only one of "
                             "helm, kustomize, directory)");
  }
  return source;
}

// Argo CD's backoff durations: Go durations, or a bare number of seconds.
std::chrono::seconds ReadBackoffDuration(const Reader& r, std::string_view key,
                                         std::chrono::seconds fallback, Status& status) {
  std::string text = r.String(key, status);
  if (text.empty()) return fallback;
  if (text.find_first_not_of("0123456789") == std::string::npos && text.size() < 12) {
    return std::chrono::seconds(std::stoll(text));
  }
  Result<std::chrono::nanoseconds> parsed = ParseDuration(text);
  if (!parsed.ok()) {
    Reader::Fail(status, r.Field(key) + ": " + parsed.status().message());
    return fallback;
  }
  if (parsed->count() < 0) Reader::Fail(status, r.Field(key) + ": must not be negative");
  return std::chrono::duration_cast<std::chrono::seconds>(*parsed);
}

SyncPolicy ReadSyncPolicy(const Reader& r, Status& status) {
  SyncPolicy policy;
  if (auto automated = r.Object("automated", status)) {
    policy.automated = Automated{.prune = automated->Bool("prune", false, status),
                                 .self_heal = automated->Bool("selfHeal", false, status),
                                 .allow_empty = automated->Bool("allowEmpty", false, status),
                                 .enabled = automated->Bool("enabled", true, status)};
    policy.options.prune = policy.automated->prune;
    policy.options.allow_empty = policy.automated->allow_empty;
  }
  policy.sync_options = r.Strings("syncOptions", status);
  if (status.ok()) {
    if (Status applied = sync::ApplySyncOptions(policy.sync_options, policy.options);
        !applied.ok()) {
      Reader::Fail(status, r.Field("syncOptions") + ": " + applied.message());
    }
  }
  if (auto metadata = r.Object("managedNamespaceMetadata", status)) {
    policy.managed_namespace_labels = metadata->StringMap("labels", status);
    policy.managed_namespace_annotations = metadata->StringMap("annotations", status);
  }
  if (auto retry = r.Object("retry", status)) {
    sync::RetryPolicy out;
    out.limit = static_cast<int>(retry->Int("limit", status).value_or(0));
    if (auto backoff = retry->Object("backoff", status)) {
      out.duration = ReadBackoffDuration(*backoff, "duration", out.duration, status);
      out.max_duration = ReadBackoffDuration(*backoff, "maxDuration", out.max_duration, status);
      if (std::optional<int64_t> factor = backoff->Int("factor", status)) {
        if (*factor < 1) Reader::Fail(status, backoff->Field("factor") + ": must be at least 1");
        out.factor = *factor;
      }
    }
    policy.retry = out;
  }
  return policy;
}

Destination ReadDestination(const Reader& r, Status& status) {
  Destination d{.server = r.String("server", status),
                .name = r.String("name", status),
                .ns = r.String("namespace", status)};
  if (!d.server.empty() && !d.name.empty()) {
    Reader::Fail(status, r.path() + ": can't have both name and server defined");
  } else if (d.server.empty() && d.name.empty()) {
    Reader::Fail(status, r.path() + ": server or name is required");
  } else if (std::string server = d.server; !server.empty()) {
    while (server.size() > 1 && server.back() == '/') server.pop_back();
    if (server != kInClusterServer) {
      Reader::Fail(status, r.Field("server") + ": cluster " + d.server +
                               " is not supported yet: Converge deploys only to the cluster it "
                               "runs in (server " +
                               kInClusterServer + " or name " + kInClusterName + ")");
    }
  } else if (d.name != kInClusterName) {
    Reader::Fail(status, r.Field("name") + ": cluster " + d.name +
                             " is not supported yet: Converge deploys only to the cluster it "
                             "runs in (name " +
                             kInClusterName + ")");
  }
  return d;
}

}  // namespace

Result<Spec> ParseSpec(const json& spec) {
  if (!spec.is_object()) return Status::Invalid("spec: must be an object");
  Reader r(spec, "spec");
  Status status;
  Spec out;
  std::vector<Reader> sources = r.Objects("sources", status);
  if (!sources.empty()) {
    for (const Reader& source : sources) out.sources.push_back(ReadSource(source, status));
  } else if (auto source = r.Object("source", status)) {
    out.sources.push_back(ReadSource(*source, status));
  } else {
    Reader::Fail(status, "spec.source: an Application needs a source or sources");
  }
  if (auto destination = r.Object("destination", status)) {
    out.destination = ReadDestination(*destination, status);
  } else {
    Reader::Fail(status, "spec.destination: required");
  }
  if (auto policy = r.Object("syncPolicy", status)) {
    out.sync_policy = ReadSyncPolicy(*policy, status);
  }
  for (const Reader& rule : r.Objects("ignoreDifferences", status)) {
    out.ignore_differences.push_back({
        .group = rule.String("group", status),
        .kind = rule.String("kind", status),
        .name = rule.String("name", status),
        .ns = rule.String("namespace", status),
        .json_pointers = rule.Strings("jsonPointers", status),
        .jq_path_expressions = rule.Strings("jqPathExpressions", status),
        .managed_fields_managers = rule.Strings("managedFieldsManagers", status),
    });
    if (out.ignore_differences.back().kind.empty()) {
      Reader::Fail(status, rule.Field("kind") + ": required");
    }
  }
  if (std::optional<int64_t> limit = r.Int("revisionHistoryLimit", status)) {
    if (*limit < 0) Reader::Fail(status, "spec.revisionHistoryLimit: must not be negative");
    out.revision_history_limit = *limit;
  }
  if (!status.ok()) return status;
  return out;
}

sync::RetryPolicy DefaultAutomatedRetry() { return sync::RetryPolicy{.limit = 5}; }

}  // namespace converge::app
