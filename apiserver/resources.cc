#include "apiserver/resources.h"

#include <algorithm>
#include <set>

#include "base/strings.h"
#include "kube/kube.h"

namespace converge::apiserver {
namespace {

struct Spec {
  const char* group;
  const char* version;
  const char* resource;
  const char* kind;
  bool namespaced;
  std::vector<std::string> short_names;
  bool in_all = false;  // category "all"
  bool status = false;
  bool scale = false;
  bool generation = false;
};

// Model classes are "V" + version + Kind, except where the npm models disambiguate.
std::string ModelClass(const Spec& spec) {
  std::string version = spec.version;
  version[0] = static_cast<char>(std::toupper(version[0]));
  return version + spec.kind;
}

ResourceType FromSpec(const Spec& spec) {
  ResourceType type;
  type.group = spec.group;
  type.version = spec.version;
  type.resource = spec.resource;
  type.kind = spec.kind;
  type.singular = AsciiLower(spec.kind);
  type.list_kind = type.kind + "List";
  type.namespaced = spec.namespaced;
  type.short_names = spec.short_names;
  if (spec.in_all) type.categories = {"all"};
  type.status_subresource = spec.status;
  type.scale_subresource = spec.scale;
  type.has_generation = spec.generation;
  type.model = ModelClass(spec);
  return type;
}

std::string StringAt(const nlohmann::json& object, std::initializer_list<std::string_view> path) {
  return std::string(kube::StringAt(object, path));
}

}  // namespace

std::string ResourceType::KeyPrefix() const {
  return "/registry/" + (group.empty() ? std::string("core") : group) + "/" + resource + "/";
}

std::string ResourceType::Key(const std::string& ns, const std::string& name) const {
  return namespaced ? KeyPrefix() + ns + "/" + name : KeyPrefix() + name;
}

std::vector<ResourceType> BuiltinResources() {
  static const std::vector<Spec> kSpecs = {
      {"", "v1", "namespaces", "Namespace", false, {"ns"}, false, true},
      {"", "v1", "configmaps", "ConfigMap", true, {"cm"}},
      {"", "v1", "secrets", "Secret", true, {}},
      {"", "v1", "services", "Service", true, {"svc"}, true, true},
      {"", "v1", "serviceaccounts", "ServiceAccount", true, {"sa"}},
      {"", "v1", "pods", "Pod", true, {"po"}, true, true, false, true},
      {"", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, {"pvc"}, false, true},
      {"", "v1", "persistentvolumes", "PersistentVolume", false, {"pv"}, false, true},
      {"", "v1", "endpoints", "Endpoints", true, {"ep"}},
      {"", "v1", "events", "Event", true, {"ev"}},
      {"apps", "v1", "deployments", "Deployment", true, {"deploy"}, true, true, true, true},
      {"apps", "v1", "statefulsets", "StatefulSet", true, {"sts"}, true, true, true, true},
      {"apps", "v1", "daemonsets", "DaemonSet", true, {"ds"}, true, true, false, true},
      {"apps", "v1", "replicasets", "ReplicaSet", true, {"rs"}, true, true, true, true},
      {"batch", "v1", "jobs", "Job", true, {}, true, true, false, true},
      {"batch", "v1", "cronjobs", "CronJob", true, {"cj"}, true, true, false, true},
      {"networking.k8s.io", "v1", "ingresses", "Ingress", true, {"ing"}, false, true, false, true},
      {"networking.k8s.io",
       "v1",
       "networkpolicies",
       "NetworkPolicy",
       true,
       {"netpol"},
       false,
       false,
       false,
       true},
      {"networking.k8s.io",
       "v1",
       "ingressclasses",
       "IngressClass",
       false,
       {},
       false,
       false,
       false,
       true},
      {"rbac.authorization.k8s.io", "v1", "roles", "Role", true, {}},
      {"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, {}},
      {"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, {}},
      {"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, {}},
      {"policy",
       "v1",
       "poddisruptionbudgets",
       "PodDisruptionBudget",
       true,
       {"pdb"},
       false,
       true,
       false,
       true},
      {"autoscaling",
       "v2",
       "horizontalpodautoscalers",
       "HorizontalPodAutoscaler",
       true,
       {"hpa"},
       true,
       true,
       false,
       true},
      {"coordination.k8s.io", "v1", "leases", "Lease", true, {}},
      {"storage.k8s.io", "v1", "storageclasses", "StorageClass", false, {"sc"}},
      {"apiextensions.k8s.io",
       "v1",
       "customresourcedefinitions",
       "CustomResourceDefinition",
       false,
       {"crd", "crds"},
       false,
       true,
       false,
       true},
  };
  std::vector<ResourceType> types;
  for (const Spec& spec : kSpecs) types.push_back(FromSpec(spec));
  for (ResourceType& type : types) type.token_subresource = type.resource == "serviceaccounts";
  // Reviews answer a POST about the caller and store nothing.
  static const std::vector<Spec> kReviews = {
      {"authorization.k8s.io",
       "v1",
       "selfsubjectaccessreviews",
       "SelfSubjectAccessReview",
       false,
       {}},
      {"authorization.k8s.io",
       "v1",
       "selfsubjectrulesreviews",
       "SelfSubjectRulesReview",
       false,
       {}},
      {"authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", false, {}},
  };
  for (const Spec& spec : kReviews) {
    ResourceType type = FromSpec(spec);
    type.create_only = true;
    type.storage_version = false;
    types.push_back(std::move(type));
  }
  return types;
}

const ResourceType* Catalog::Find(const std::string& group, const std::string& version,
                                  const std::string& resource) const {
  for (const ResourceType& type : types_) {
    if (type.group == group && type.version == version && type.resource == resource) return &type;
  }
  return nullptr;
}

const ResourceType* Catalog::FindKind(const std::string& group, const std::string& version,
                                      const std::string& kind) const {
  for (const ResourceType& type : types_) {
    if (type.group == group && type.version == version && type.kind == kind) return &type;
  }
  return nullptr;
}

const ResourceType* Catalog::StorageType(const std::string& group,
                                         const std::string& resource) const {
  for (const ResourceType& type : types_) {
    if (type.group == group && type.resource == resource && type.storage_version) return &type;
  }
  return nullptr;
}

std::vector<const ResourceType*> Catalog::InGroupVersion(const std::string& group,
                                                         const std::string& version) const {
  std::vector<const ResourceType*> out;
  for (const ResourceType& type : types_) {
    if (type.group == group && type.version == version) out.push_back(&type);
  }
  return out;
}

void Catalog::Index() {
  groups_.clear();
  size_t builtin_groups = 0;
  auto find_group = [&](const std::string& name) -> GroupInfo* {
    for (GroupInfo& group : groups_) {
      if (group.name == name) return &group;
    }
    return nullptr;
  };
  for (const ResourceType& type : types_) {
    GroupInfo* group = find_group(type.group);
    if (group == nullptr) {
      groups_.push_back({type.group, {}});
      group = &groups_.back();
      if (!type.custom()) ++builtin_groups;
    }
    if (std::find(group->versions.begin(), group->versions.end(), type.version) ==
        group->versions.end()) {
      group->versions.push_back(type.version);
    }
  }
  std::sort(groups_.begin() + static_cast<ptrdiff_t>(builtin_groups), groups_.end(),
            [](const GroupInfo& a, const GroupInfo& b) { return a.name < b.name; });
}

Registry::Registry() {
  auto catalog = std::make_shared<Catalog>();
  catalog->types_ = BuiltinResources();
  catalog->Index();
  catalog_ = std::move(catalog);
}

std::shared_ptr<const Catalog> Registry::Snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return catalog_;
}

Status Registry::AddCrd(const nlohmann::json& crd) {
  std::string name = StringAt(crd, {"metadata", "name"});
  const nlohmann::json& spec = crd.value("spec", nlohmann::json::object());
  std::string group = StringAt(spec, {"group"});
  std::string plural = StringAt(spec, {"names", "plural"});
  std::string kind = StringAt(spec, {"names", "kind"});
  if (group.empty() || plural.empty() || kind.empty()) {
    return Status::Invalid("CustomResourceDefinition " + name + " lacks group, plural or kind");
  }
  std::vector<ResourceType> added;
  const nlohmann::json& versions = spec.value("versions", nlohmann::json::array());
  for (const nlohmann::json& version : versions) {
    if (!version.value("served", true)) continue;
    ResourceType type;
    type.group = group;
    type.version = version.value("name", "");
    type.resource = plural;
    type.kind = kind;
    type.singular = StringAt(spec, {"names", "singular"});
    if (type.singular.empty()) type.singular = AsciiLower(kind);
    type.list_kind = StringAt(spec, {"names", "listKind"});
    if (type.list_kind.empty()) type.list_kind = kind + "List";
    type.namespaced = spec.value("scope", "Namespaced") != "Cluster";
    const nlohmann::json& names = spec.value("names", nlohmann::json::object());
    for (const char* field : {"shortNames", "categories"}) {
      if (names.contains(field) && names[field].is_array()) {
        auto& target = std::string(field) == "shortNames" ? type.short_names : type.categories;
        for (const nlohmann::json& item : names[field]) {
          if (item.is_string()) target.push_back(item.get<std::string>());
        }
      }
    }
    const nlohmann::json* subresources = nullptr;
    if (version.contains("subresources") && version["subresources"].is_object()) {
      subresources = &version["subresources"];
    }
    type.status_subresource = subresources != nullptr && subresources->contains("status");
    type.scale_subresource = subresources != nullptr && subresources->contains("scale");
    if (type.scale_subresource) type.scale_paths = (*subresources)["scale"];
    type.has_generation = true;
    type.crd_name = name;
    if (version.contains("schema") && version["schema"].contains("openAPIV3Schema")) {
      type.schema = version["schema"]["openAPIV3Schema"];
    }
    if (version.contains("additionalPrinterColumns") &&
        version["additionalPrinterColumns"].is_array()) {
      type.printer_columns = version["additionalPrinterColumns"];
    }
    type.storage_version = version.value("storage", false);
    added.push_back(std::move(type));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  auto catalog = std::make_shared<Catalog>(*catalog_);
  std::erase_if(catalog->types_, [&](const ResourceType& type) { return type.crd_name == name; });
  for (ResourceType& type : added) catalog->types_.push_back(std::move(type));
  ++catalog->generation_;
  catalog->Index();
  catalog_ = std::move(catalog);
  return Status();
}

void Registry::RemoveCrd(const std::string& crd_name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto catalog = std::make_shared<Catalog>(*catalog_);
  std::erase_if(catalog->types_,
                [&](const ResourceType& type) { return type.crd_name == crd_name; });
  ++catalog->generation_;
  catalog->Index();
  catalog_ = std::move(catalog);
}

}  // namespace converge::apiserver
