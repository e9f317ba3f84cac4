#include "sources/kustomize/internal.h"

namespace converge::sources::kustomize {
namespace {

Status Visit(json& node, std::span<const std::string> steps, bool create,
             const std::function<Status(json&)>& apply) {
  if (steps.empty()) return apply(node);
  if (node.is_array()) {
    for (json& element : node) {
      if (Status s = Visit(element, steps, create, apply); !s.ok()) return s;
    }
    return Status();
  }
  if (node.is_null()) return Status();
  if (!node.is_object()) return Status::Invalid("expected sequence or mapping node");
  auto it = node.find(steps.front());
  if (it == node.end() || it->is_null()) {
    if (!create) return Status();
    json& created = node[steps.front()];
    created = steps.size() == 1 ? json() : json::object();
    return Visit(created, steps.subspan(1), create, apply);
  }
  return Visit(*it, steps.subspan(1), create, apply);
}

FieldSpec Spec(std::string group, std::string version, std::string kind, std::string path,
               bool create) {
  return FieldSpec{.group = std::move(group),
                   .version = std::move(version),
                   .kind = std::move(kind),
                   .path = std::move(path),
                   .create = create};
}

// Pod-affinity and topology-spread selectors of a workload's pod template.
void AddAffinitySelectors(std::vector<FieldSpec>& specs, const std::string& kind) {
  const std::string base = "spec/template/spec/affinity/";
  for (const char* path :
       {"podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/"
        "matchLabels",
        "podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        "podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/"
        "labelSelector/matchLabels",
        "podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/"
        "matchLabels"}) {
    specs.push_back(Spec("apps", "", kind, base + path, false));
  }
  specs.push_back(Spec("apps", "", kind,
                       "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
                       false));
}

}  // namespace

std::vector<std::string> SplitSpecPath(std::string_view path) {
  std::vector<std::string> steps;
  std::string current;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '\\' && i + 1 < path.size() && path[i + 1] == '/') {
      current.push_back('/');
      ++i;
    } else if (path[i] == '/') {
      steps.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(path[i]);
    }
  }
  steps.push_back(std::move(current));
  for (std::string& step : steps) {
    if (step.ends_with("[]")) step.resize(step.size() - 2);
  }
  return steps;
}

bool GvkMatches(const FieldSpec& spec, const ResId& id) {
  return (spec.group.empty() || spec.group == id.group) &&
         (spec.version.empty() || spec.version == id.version) &&
         (spec.kind.empty() || spec.kind == id.kind);
}

std::string FieldSpecError(const FieldSpec& spec, const ResId& id, const Status& status) {
  return "considering field '" + spec.path + "' of object " + id.ToString() + ": " +
         status.message();
}

Status VisitFieldSpec(json& object, const FieldSpec& spec,
                      const std::function<Status(json&)>& apply) {
  std::vector<std::string> steps = SplitSpecPath(spec.path);
  return Visit(object, steps, spec.create, apply);
}

const std::vector<FieldSpec>& TemplateLabelSpecs() {
  static const std::vector<FieldSpec> kSpecs = {
      Spec("", "", "", "metadata/labels", true),
      Spec("", "v1", "ReplicationController", "spec/template/metadata/labels", true),
      Spec("", "", "Deployment", "spec/template/metadata/labels", true),
      Spec("", "", "ReplicaSet", "spec/template/metadata/labels", true),
      Spec("", "", "DaemonSet", "spec/template/metadata/labels", true),
      Spec("apps", "", "StatefulSet", "spec/template/metadata/labels", true),
      Spec("apps", "", "StatefulSet", "spec/volumeClaimTemplates[]/metadata/labels", true),
      Spec("batch", "", "Job", "spec/template/metadata/labels", true),
      Spec("batch", "", "CronJob", "spec/jobTemplate/metadata/labels", true),
      Spec("batch", "", "CronJob", "spec/jobTemplate/spec/template/metadata/labels", true),
  };
  return kSpecs;
}

const std::vector<FieldSpec>& CommonLabelSpecs() {
  static const std::vector<FieldSpec> kSpecs = [] {
    std::vector<FieldSpec> specs = TemplateLabelSpecs();
    specs.push_back(Spec("", "v1", "Service", "spec/selector", true));
    specs.push_back(Spec("", "v1", "ReplicationController", "spec/selector", true));
    specs.push_back(Spec("", "", "Deployment", "spec/selector/matchLabels", true));
    AddAffinitySelectors(specs, "Deployment");
    specs.push_back(Spec("", "", "ReplicaSet", "spec/selector/matchLabels", true));
    specs.push_back(Spec("", "", "DaemonSet", "spec/selector/matchLabels", true));
    specs.push_back(Spec("apps", "", "StatefulSet", "spec/selector/matchLabels", true));
    AddAffinitySelectors(specs, "StatefulSet");
    specs.push_back(Spec("batch", "", "Job", "spec/selector/matchLabels", false));
    specs.push_back(
        Spec("batch", "", "CronJob", "spec/jobTemplate/spec/selector/matchLabels", false));
    specs.push_back(Spec("policy", "", "PodDisruptionBudget", "spec/selector/matchLabels", false));
    for (const char* path :
         {"spec/podSelector/matchLabels", "spec/ingress/from/podSelector/matchLabels",
          "spec/egress/to/podSelector/matchLabels"}) {
      specs.push_back(Spec("networking.k8s.io", "", "NetworkPolicy", path, false));
    }
    return specs;
  }();
  return kSpecs;
}

const std::vector<FieldSpec>& CommonAnnotationSpecs() {
  static const std::vector<FieldSpec> kSpecs = {
      Spec("", "", "", "metadata/annotations", true),
      Spec("", "v1", "ReplicationController", "spec/template/metadata/annotations", true),
      Spec("", "", "Deployment", "spec/template/metadata/annotations", true),
      Spec("", "", "ReplicaSet", "spec/template/metadata/annotations", true),
      Spec("", "", "DaemonSet", "spec/template/metadata/annotations", true),
      Spec("apps", "", "StatefulSet", "spec/template/metadata/annotations", true),
      Spec("batch", "", "Job", "spec/template/metadata/annotations", true),
      Spec("batch", "", "CronJob", "spec/jobTemplate/metadata/annotations", true),
      Spec("batch", "", "CronJob", "spec/jobTemplate/spec/template/metadata/annotations", true),
  };
  return kSpecs;
}

const std::vector<FieldSpec>& ImageSpecs() {
  static const std::vector<FieldSpec> kSpecs = {
      Spec("", "", "", "spec/containers[]/image", false),
      Spec("", "", "", "spec/initContainers[]/image", false),
      Spec("", "", "", "spec/volumes[]/image/reference", false),
      Spec("", "", "", "spec/template/spec/containers[]/image", false),
      Spec("", "", "", "spec/template/spec/initContainers[]/image", false),
      Spec("", "", "", "spec/template/spec/volumes[]/image/reference", false),
  };
  return kSpecs;
}

const std::vector<FieldSpec>& ReplicaSpecs() {
  static const std::vector<FieldSpec> kSpecs = {
      Spec("", "", "Deployment", "spec/replicas", true),
      Spec("", "", "StatefulSet", "spec/replicas", true),
      Spec("", "", "ReplicaSet", "spec/replicas", true),
      Spec("", "", "ReplicationController", "spec/replicas", true),
  };
  return kSpecs;
}

std::vector<FieldSpec> ParseFieldSpecs(const json& list) {
  std::vector<FieldSpec> specs;
  if (!list.is_array()) return specs;
  for (const json& item : list) {
    if (!item.is_object()) continue;
    auto text = [&](const char* key) {
      auto it = item.find(key);
      return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    auto create = item.find("create");
    specs.push_back(Spec(text("group"), text("version"), text("kind"), text("path"),
                         create != item.end() && create->is_boolean() && create->get<bool>()));
  }
  return specs;
}

}  // namespace converge::sources::kustomize
