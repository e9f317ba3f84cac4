#include <algorithm>
#include <array>

#include "sources/kustomize/internal.h"

namespace converge::sources::kustomize {

std::string ResId::ToString() const {
  std::string out = kind + "." + version + "." + (group.empty() ? "[noGrp]" : group) + "/" + name;
  return out + "." + (ns.empty() ? "[noNs]" : ns);
}

ResId IdOf(const kube::Object& object) {
  return ResId{.group = std::string(object.Group()),
               .version = std::string(object.Version()),
               .kind = std::string(object.Kind()),
               .name = std::string(object.Name()),
               .ns = std::string(object.Namespace())};
}

ResId Resource::Id() const { return IdOf(object); }

ResId Resource::OriginalId() const { return previous.empty() ? Id() : previous.front(); }

void Resource::Rename(std::string_view name, std::string_view ns) {
  ResId current = Id();
  if (current.name == name && current.ns == ns) return;
  previous.push_back(current);
  object.SetName(name);
  if (ns.empty()) {
    json& metadata = object.mutable_json()["metadata"];
    metadata.erase("namespace");
  } else {
    object.SetNamespace(ns);
  }
}

bool IsClusterScoped(std::string_view api_version, std::string_view kind) {
  struct Entry {
    std::string_view api_version;
    std::string_view kind;
  };
  static constexpr std::array<Entry, 35> kClusterScoped = {{
      {"v1", "ComponentStatus"},
      {"v1", "Namespace"},
      {"v1", "Node"},
      {"v1", "PersistentVolume"},
      {"admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"},
      {"admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"},
      {"admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration"},
      {"admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration"},
      {"apiextensions.k8s.io/v1", "CustomResourceDefinition"},
      {"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"},
      {"apiregistration.k8s.io/v1", "APIService"},
      {"apiregistration.k8s.io/v1beta1", "APIService"},
      {"certificates.k8s.io/v1", "CertificateSigningRequest"},
      {"certificates.k8s.io/v1beta1", "CertificateSigningRequest"},
      {"flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"},
      {"flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration"},
      {"networking.k8s.io/v1", "IngressClass"},
      {"networking.k8s.io/v1beta1", "IngressClass"},
      {"node.k8s.io/v1", "RuntimeClass"},
      {"node.k8s.io/v1beta1", "RuntimeClass"},
      {"policy/v1beta1", "PodSecurityPolicy"},
      {"rbac.authorization.k8s.io/v1", "ClusterRole"},
      {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding"},
      {"rbac.authorization.k8s.io/v1beta1", "ClusterRole"},
      {"rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"},
      {"scheduling.k8s.io/v1", "PriorityClass"},
      {"scheduling.k8s.io/v1beta1", "PriorityClass"},
      {"storage.k8s.io/v1", "CSIDriver"},
      {"storage.k8s.io/v1", "CSINode"},
      {"storage.k8s.io/v1", "StorageClass"},
      {"storage.k8s.io/v1", "VolumeAttachment"},
      {"storage.k8s.io/v1beta1", "CSIDriver"},
      {"storage.k8s.io/v1beta1", "CSINode"},
      {"storage.k8s.io/v1beta1", "StorageClass"},
      {"storage.k8s.io/v1beta1", "VolumeAttachment"},
  }};
  return std::any_of(kClusterScoped.begin(), kClusterScoped.end(), [&](const Entry& entry) {
    return entry.api_version == api_version && entry.kind == kind;
  });
}

bool SameNamespace(std::string_view a, std::string_view b) {
  if (a.empty()) a = "default";
  if (b.empty()) b = "default";
  return a == b;
}

}  // namespace converge::sources::kustomize
