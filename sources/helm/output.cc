// What pkg/action and pkg/release/v1/util do with rendered files: split them into documents,
// read each document's head, set hooks apart, order by kind, and print `helm template`'s
// stream.

#include <algorithm>
#include <map>

#include "kube/kube.h"
#include "sources/helm/internal.h"

namespace converge::sources::helm {
namespace {

// releaseutil.InstallOrder.
constexpr std::string_view kInstallOrder[] = {
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
};

constexpr std::string_view kHookEvents[] = {
    "pre-install",  "post-install", "pre-delete",    "post-delete", "pre-upgrade",
    "post-upgrade", "pre-rollback", "post-rollback", "test",        "test-success",
};

// Go's regexp `\s`, which lacks \v.
bool IsRegexSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

int KindRank(const std::string& kind) {
  auto found = std::find(std::begin(kInstallOrder), std::end(kInstallOrder), kind);
  return found == std::end(kInstallOrder) ? -1
                                          : static_cast<int>(found - std::begin(kInstallOrder));
}

// lessByKind: known kinds in install order, unknown kinds after them alphabetically.
bool LessByKind(const Manifest& a, const Manifest& b) {
  int first = KindRank(a.kind);
  int second = KindRank(b.kind);
  if (first < 0 && second < 0) return a.kind < b.kind;
  if (first < 0) return false;
  if (second < 0) return true;
  return first < second;
}

std::string StringAt(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

// The fields of releaseutil.SimpleHead that Helm reads.
constexpr std::string_view kKindField[] = {"kind"};
constexpr std::string_view kNameField[] = {"metadata", "name"};
constexpr std::string_view kHookField[] = {"metadata", "annotations", "helm.sh/hook"};
constexpr kube::FieldPath kHeadFields[] = {kKindField, kNameField, kHookField};

// The document's head as releaseutil.SimpleHead reads it. Helm decodes the whole document, so
// a YAML error anywhere in it fails; only the head is built.
Status ReadHead(const std::string& path, const std::string& document, Manifest& manifest,
                std::optional<std::string>& hook) {
  Result<std::vector<kube::Document>> decoded =
      kube::DecodeStream(document, path, kube::DecodeOptions{.only = kHeadFields});
  if (!decoded.ok()) {
    return Status::Invalid("YAML parse error on " + path + ": " +
                           GoYamlError(decoded.status().message()));
  }
  nlohmann::json head;
  for (kube::Document& item : *decoded) {
    if (!item.value.is_null()) {
      head = std::move(item.value);
      break;
    }
  }
  if (!head.is_null() && !head.is_object()) {
    return Status::Invalid(
        "YAML parse error on " + path +
        ": error unmarshaling JSON: while decoding JSON: json: cannot unmarshal " +
        (head.is_array()    ? "array"
         : head.is_string() ? "string"
                            : "number") +
        " into Go value of type util.SimpleHead");
  }
  manifest.kind = StringAt(head, "kind");
  if (head.is_object() && head.contains("metadata")) {
    const nlohmann::json& metadata = head["metadata"];
    manifest.name = StringAt(metadata, "name");
    if (metadata.is_object() && metadata.contains("annotations")) {
      const nlohmann::json& annotations = metadata["annotations"];
      if (annotations.is_object() && annotations.contains("helm.sh/hook")) {
        hook = StringAt(annotations, "helm.sh/hook");
      }
    }
  }
  return Status();
}

// The hook's events, or nullopt when one is unknown (Helm drops such a hook).
std::optional<std::vector<std::string>> HookEvents(std::string_view hook) {
  std::vector<std::string> events;
  size_t start = 0;
  while (start <= hook.size()) {
    size_t comma = hook.find(',', start);
    if (comma == std::string_view::npos) comma = hook.size();
    std::string event(TrimSpace(hook.substr(start, comma - start)));
    std::transform(event.begin(), event.end(), event.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    start = comma + 1;
    if (std::find(std::begin(kHookEvents), std::end(kHookEvents), event) == std::end(kHookEvents)) {
      return std::nullopt;
    }
    events.push_back(std::move(event));
  }
  return events;
}

bool IsTestHook(const Manifest& hook) {
  return std::any_of(
      hook.hook_events.begin(), hook.hook_events.end(),
      [](const std::string& event) { return event == "test" || event == "test-success"; });
}

void AppendDocument(std::string& out, const std::string& path, const std::string& content) {
  out += "---\n# Source: ";
  out += path;
  out += '\n';
  out += content;
  out += '\n';
}

// An upper bound of FormatTemplate's output before --show-only, so that it is written once.
size_t FormattedSize(const Release& release) {
  constexpr size_t kFraming = std::string_view("---\n# Source: \n\n").size();
  size_t size = 1;
  for (const std::vector<Manifest>* list : {&release.crds, &release.manifests, &release.hooks}) {
    for (const Manifest& manifest : *list) {
      size += kFraming + manifest.path.size() + manifest.content.size();
    }
  }
  return size;
}

void TrimSpaceInPlace(std::string& text) {
  std::string_view kept = TrimSpace(text);
  if (kept.empty()) {
    text.clear();
    return;
  }
  size_t begin = static_cast<size_t>(kept.data() - text.data());
  text.resize(begin + kept.size());
  text.erase(0, begin);
}

// The manifest's name after "# Source: CHART/", as --show-only matches it.
std::optional<std::string> ShownName(const std::string& manifest) {
  constexpr std::string_view kMarker = "# Source: ";
  size_t at = 0;
  while ((at = manifest.find(kMarker, at)) != std::string::npos) {
    size_t start = at + kMarker.size();
    size_t slash = start;
    while (slash < manifest.size() && manifest[slash] != '/' && manifest[slash] != '\n') ++slash;
    if (slash > start && slash < manifest.size() && manifest[slash] == '/') {
      size_t end = manifest.find('\n', slash + 1);
      std::string name =
          manifest.substr(slash + 1, end == std::string::npos ? end : end - slash - 1);
      if (!name.empty()) return name;
    }
    at = start;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> SplitManifests(std::string_view text) {
  text = TrimSpace(text);
  std::vector<std::string> documents;
  size_t piece_start = 0;
  size_t i = 0;
  auto emit = [&](size_t end) {
    if (end > piece_start) {
      documents.emplace_back(TrimSpace(text.substr(piece_start, end - piece_start)));
    }
  };
  // Separators match `(?:^|\s*\n)---\s*`: "---" at the very start, or after a run of
  // whitespace ending in a newline. Every other separator holds "\n---", so the scan jumps
  // from one of those to the next instead of visiting each byte.
  while (i < text.size()) {
    size_t match_start = std::string_view::npos;
    size_t dashes = 0;
    if (i == 0 && text.starts_with("---")) {
      match_start = 0;
    } else {
      size_t newline = text.find("\n---", i);
      if (newline == std::string_view::npos) break;
      dashes = newline + 1;
      match_start = newline;
      while (match_start > i && IsRegexSpace(text[match_start - 1])) --match_start;
    }
    size_t end = dashes + 3;
    while (end < text.size() && IsRegexSpace(text[end])) ++end;
    emit(match_start);
    piece_start = end;
    i = end;
  }
  emit(text.size());
  return documents;
}

Status SortManifests(const std::map<std::string, std::string>& files, Release& release) {
  for (const auto& [path, content] : files) {
    std::string_view base = std::string_view(path).substr(path.rfind('/') + 1);
    if (base.starts_with('_')) continue;
    if (TrimSpace(content).empty()) continue;
    for (std::string& document : SplitManifests(content)) {
      Manifest manifest{.path = path};
      std::optional<std::string> hook;
      if (Status s = ReadHead(path, document, manifest, hook); !s.ok()) return s;
      manifest.content = std::move(document);
      if (!hook) {
        release.manifests.push_back(std::move(manifest));
        continue;
      }
      std::optional<std::vector<std::string>> events = HookEvents(*hook);
      if (!events) continue;
      manifest.hook_events = std::move(*events);
      release.hooks.push_back(std::move(manifest));
    }
  }
  std::stable_sort(release.manifests.begin(), release.manifests.end(), LessByKind);
  std::stable_sort(release.hooks.begin(), release.hooks.end(), LessByKind);
  return Status();
}

Result<std::string> FormatTemplate(const Release& release, const Options& options) {
  std::string out;
  out.reserve(FormattedSize(release));
  for (const Manifest& crd : release.crds) AppendDocument(out, crd.path, crd.content);
  for (const Manifest& manifest : release.manifests) {
    AppendDocument(out, manifest.path, manifest.content);
  }
  TrimSpaceInPlace(out);
  out += '\n';
  if (!options.no_hooks) {
    for (const Manifest& hook : release.hooks) {
      if (options.skip_tests && IsTestHook(hook)) continue;
      AppendDocument(out, hook.path, hook.content);
    }
  }
  if (options.show_only.empty()) return out;
  std::vector<std::string> documents = SplitManifests(out);
  std::string shown;
  for (const std::string& pattern : options.show_only) {
    bool missing = true;
    for (const std::string& document : documents) {
      std::optional<std::string> name = ShownName(document);
      if (!name || !PathMatch(pattern, *name)) continue;
      shown += "---\n" + document + "\n";
      missing = false;
    }
    if (missing) return Status::NotFound("could not find template " + pattern + " in chart");
  }
  return shown;
}

}  // namespace converge::sources::helm
