// Name references: after renames (prefixes, suffixes, hashes, namespaces) every field that
// names another object of the build is pointed at its new name, using kustomize's name
// reference table (api/internal/konfig/builtinpluginconsts/namereference.go).
#include <algorithm>

#include "sources/kustomize/internal.h"

namespace converge::sources::kustomize {
namespace {

struct Referrer {
  std::string group;
  std::string kind;
  std::string path;
};

struct BackReference {
  std::string group;
  std::string version;
  std::string kind;
  std::vector<Referrer> referrers;
};

// The pod spec of every workload kind kustomize lists, joined with `tail`.
void AddPodSpecPaths(std::vector<Referrer>& out, const std::string& tail,
                     bool with_replication_controller, bool with_replica_set) {
  out.push_back({"", "Pod", "spec/" + tail});
  out.push_back({"", "PodTemplate", "template/spec/" + tail});
  for (const char* kind : {"Deployment", "DaemonSet", "StatefulSet"}) {
    out.push_back({"", kind, "spec/template/spec/" + tail});
  }
  if (with_replica_set) out.push_back({"", "ReplicaSet", "spec/template/spec/" + tail});
  if (with_replication_controller) {
    out.push_back({"", "ReplicationController", "spec/template/spec/" + tail});
  }
  out.push_back({"batch", "Job", "spec/template/spec/" + tail});
  out.push_back({"batch", "CronJob", "spec/jobTemplate/spec/template/spec/" + tail});
}

std::vector<Referrer> ConfigMapReferrers() {
  std::vector<Referrer> out;
  for (const char* tail :
       {"volumes/configMap/name", "volumes/projected/sources/configMap/name",
        "containers/env/valueFrom/configMapKeyRef/name",
        "initContainers/env/valueFrom/configMapKeyRef/name", "containers/envFrom/configMapRef/name",
        "initContainers/envFrom/configMapRef/name"}) {
    AddPodSpecPaths(out, tail, false, true);
  }
  out.push_back({"", "Node", "spec/configSource/configMap"});
  out.push_back({"rbac.authorization.k8s.io", "Role", "rules/resourceNames"});
  out.push_back({"rbac.authorization.k8s.io", "ClusterRole", "rules/resourceNames"});
  out.push_back({"", "Ingress",
                 "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap"});
  return out;
}

std::vector<Referrer> SecretReferrers() {
  std::vector<Referrer> out;
  for (const char* tail :
       {"volumes/secret/secretName", "volumes/projected/sources/secret/name",
        "containers/env/valueFrom/secretKeyRef/name",
        "initContainers/env/valueFrom/secretKeyRef/name", "containers/envFrom/secretRef/name",
        "initContainers/envFrom/secretRef/name", "imagePullSecrets/name"}) {
    AddPodSpecPaths(out, tail, false, true);
  }
  out.push_back({"", "Ingress", "spec/tls/secretName"});
  for (const char* annotation :
       {"ingress.kubernetes.io\\/auth-secret", "nginx.ingress.kubernetes.io\\/auth-secret",
        "nginx.ingress.kubernetes.io\\/auth-tls-secret"}) {
    out.push_back({"", "Ingress", std::string("metadata/annotations/") + annotation});
  }
  out.push_back({"", "ServiceAccount", "imagePullSecrets/name"});
  for (const char* parameter : {"secretName", "adminSecretName", "userSecretName", "secretRef"}) {
    out.push_back({"storage.k8s.io", "StorageClass", std::string("parameters/") + parameter});
  }
  out.push_back({"rbac.authorization.k8s.io", "Role", "rules/resourceNames"});
  out.push_back({"rbac.authorization.k8s.io", "ClusterRole", "rules/resourceNames"});
  out.push_back({"serving.knative.dev", "Service",
                 "spec/template/spec/containers/env/valueFrom/secretKeyRef/name"});
  out.push_back({"", "PersistentVolume", "spec/azureFile/secretName"});
  return out;
}

std::vector<Referrer> ServiceReferrers() {
  return {
      {"apps", "StatefulSet", "spec/serviceName"},
      {"", "Ingress", "spec/rules/http/paths/backend/serviceName"},
      {"", "Ingress", "spec/backend/serviceName"},
      {"", "Ingress", "spec/rules/http/paths/backend/service/name"},
      {"", "Ingress", "spec/defaultBackend/service/name"},
      {"apiregistration.k8s.io", "APIService", "spec/service/name"},
      {"admissionregistration.k8s.io", "ValidatingWebhookConfiguration",
       "webhooks/clientConfig/service"},
      {"admissionregistration.k8s.io", "MutatingWebhookConfiguration",
       "webhooks/clientConfig/service"},
  };
}

std::vector<Referrer> WorkloadFieldReferrers(const std::string& field, bool with_pod) {
  std::vector<Referrer> out;
  if (with_pod) out.push_back({"", "Pod", "spec/" + field});
  for (const char* kind : {"StatefulSet", "Deployment", "ReplicationController", "DaemonSet"}) {
    out.push_back({"", kind, "spec/template/spec/" + field});
  }
  out.push_back({"batch", "CronJob", "spec/jobTemplate/spec/template/spec/" + field});
  out.push_back({"batch", "Job", "spec/template/spec/" + field});
  return out;
}

const std::vector<BackReference>& Table() {
  static const std::vector<BackReference> kTable = [] {
    std::vector<BackReference> table;
    for (const char* kind : {"Deployment", "ReplicationController", "ReplicaSet", "StatefulSet"}) {
      table.push_back(
          {"", "", kind, {{"", "HorizontalPodAutoscaler", "spec/scaleTargetRef/name"}}});
    }
    table.push_back({"", "v1", "ConfigMap", ConfigMapReferrers()});
    table.push_back({"", "v1", "Secret", SecretReferrers()});
    table.push_back({"", "v1", "Service", ServiceReferrers()});
    table.push_back({"rbac.authorization.k8s.io",
                     "",
                     "Role",
                     {{"rbac.authorization.k8s.io", "RoleBinding", "roleRef/name"}}});
    table.push_back({"rbac.authorization.k8s.io",
                     "",
                     "ClusterRole",
                     {{"rbac.authorization.k8s.io", "RoleBinding", "roleRef/name"},
                      {"rbac.authorization.k8s.io", "ClusterRoleBinding", "roleRef/name"}}});
    std::vector<Referrer> service_account = {
        {"rbac.authorization.k8s.io", "RoleBinding", "subjects"},
        {"rbac.authorization.k8s.io", "ClusterRoleBinding", "subjects"}};
    for (Referrer& r : WorkloadFieldReferrers("serviceAccountName", true)) {
      service_account.push_back(std::move(r));
    }
    table.push_back({"", "v1", "ServiceAccount", std::move(service_account)});
    table.push_back({"", "v1", "PersistentVolumeClaim",
                     WorkloadFieldReferrers("volumes/persistentVolumeClaim/claimName", true)});
    table.push_back({"",
                     "v1",
                     "PersistentVolume",
                     {{"", "PersistentVolumeClaim", "spec/volumeName"},
                      {"rbac.authorization.k8s.io", "ClusterRole", "rules/resourceNames"}}});
    table.push_back({"storage.k8s.io",
                     "",
                     "StorageClass",
                     {{"", "PersistentVolume", "spec/storageClassName"},
                      {"", "PersistentVolumeClaim", "spec/storageClassName"},
                      {"", "StatefulSet", "spec/volumeClaimTemplates/spec/storageClassName"}}});
    table.push_back({"scheduling.k8s.io", "", "PriorityClass",
                     WorkloadFieldReferrers("priorityClassName", true)});
    table.push_back({"admissionregistration.k8s.io",
                     "",
                     "ValidatingAdmissionPolicy",
                     {{"admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding",
                       "spec/policyName"}}});
    return table;
  }();
  return kTable;
}

bool Selected(const BackReference& target, const ResId& id) {
  return (target.group.empty() || target.group == id.group) &&
         (target.version.empty() || target.version == id.version) && target.kind == id.kind;
}

class Fixer {
 public:
  Fixer(ResMap& resources, const BackReference& target, const Resource& referrer)
      : resources_(resources), target_(target), referrer_(referrer) {}

  Status Apply(json& node, bool role_ref_kind_matches) {
    if (node.is_string()) return FixScalar(node, Candidates(nullptr), role_ref_kind_matches);
    if (node.is_array()) {
      for (json& item : node) {
        if (Status s = Apply(item, role_ref_kind_matches); !s.ok()) return s;
      }
      return Status();
    }
    if (node.is_object()) return FixMap(node);
    return Status();
  }

 private:
  // Objects the referrer may name: those of its namespace, cluster-scoped ones and those of its
  // RoleBinding subjects' namespaces; with `only_ns`, those in (or coming from) that namespace.
  std::vector<Resource*> Candidates(const std::string* only_ns) {
    std::vector<Resource*> out;
    ResId referrer_id = referrer_.Id();
    bool cluster_referrer = IsClusterScoped(referrer_.object.ApiVersion(), referrer_id.kind);
    for (Resource& candidate : resources_) {
      ResId id = candidate.Id();
      if (only_ns != nullptr) {
        bool in_ns = SameNamespace(id.ns, *only_ns);
        for (const ResId& previous : candidate.previous) {
          in_ns = in_ns || SameNamespace(previous.ns, *only_ns);
        }
        if (!in_ns) continue;
      } else if (!cluster_referrer && !IsClusterScoped(candidate.object.ApiVersion(), id.kind) &&
                 !SameNamespace(id.ns, referrer_id.ns) && !BindingNamespace(id.ns)) {
        continue;
      }
      out.push_back(&candidate);
    }
    return out;
  }

  bool BindingNamespace(const std::string& ns) const {
    if (referrer_.object.Kind() != "RoleBinding") return false;
    const json& subjects = referrer_.object.json().value("subjects", json::array());
    if (!subjects.is_array()) return false;
    return std::any_of(subjects.begin(), subjects.end(), [&](const json& subject) {
      return subject.is_object() && SameNamespace(subject.value("namespace", ""), ns);
    });
  }

  Result<Resource*> SelectReferral(const std::string& old_name,
                                   const std::vector<Resource*>& candidates) {
    std::vector<Resource*> hits;
    for (Resource* candidate : candidates) {
      for (const ResId& previous : candidate->previous) {
        if (previous.name == old_name && Selected(target_, previous)) {
          hits.push_back(candidate);
          break;
        }
      }
    }
    if (hits.empty()) return static_cast<Resource*>(nullptr);
    if (hits.size() == 1) return hits.front();
    std::vector<Resource*> same_affixes;
    for (Resource* hit : hits) {
      if (hit->prefixes == referrer_.prefixes && hit->suffixes == referrer_.suffixes) {
        same_affixes.push_back(hit);
      }
    }
    if (same_affixes.size() == 1) return same_affixes.front();
    bool same_names = std::all_of(hits.begin(), hits.end(), [&](Resource* hit) {
      return hit->object.Name() == hits.front()->object.Name();
    });
    if (same_names) return hits.front();
    std::string ids;
    for (Resource* hit : hits) ids += (ids.empty() ? "" : " ") + hit->Id().ToString();
    return Status::Invalid("found multiple possible referrals: [" + ids + "]");
  }

  Status FixScalar(json& node, const std::vector<Resource*>& candidates, bool kind_matches) {
    if (!kind_matches) return Status();
    Result<Resource*> referral = SelectReferral(node.get<std::string>(), candidates);
    if (!referral.ok()) return referral.status();
    if (*referral != nullptr) node = std::string((*referral)->object.Name());
    return Status();
  }

  Status FixMap(json& node) {
    auto name = node.find("name");
    if (name == node.end() || !name->is_string() || name->get<std::string>().empty()) {
      return Status();
    }
    if (node.contains("kind") && node["kind"].is_string() &&
        node["kind"].get<std::string>() != target_.kind) {
      return Status();
    }
    auto ns = node.find("namespace");
    std::string ns_value = ns != node.end() && ns->is_string() ? ns->get<std::string>() : "";
    std::vector<Resource*> candidates = Candidates(ns != node.end() ? &ns_value : nullptr);
    Result<Resource*> referral = SelectReferral(name->get<std::string>(), candidates);
    if (!referral.ok()) return referral.status();
    if (*referral == nullptr) return Status();
    *name = std::string((*referral)->object.Name());
    if (!(*referral)->object.Namespace().empty()) {
      node["namespace"] = std::string((*referral)->object.Namespace());
    }
    return Status();
  }

  ResMap& resources_;
  const BackReference& target_;
  const Resource& referrer_;
};

// roleRef names a Role or ClusterRole; only a roleRef of the referent's kind is rewritten.
bool RoleRefKindMatches(const json& object, const Referrer& referrer, const std::string& kind) {
  if (!referrer.path.starts_with("roleRef")) return true;
  return StringAt(object, {"roleRef", "kind"}) == kind;
}

}  // namespace

Status FixNameReferences(ResMap& resources, std::span<const NameReference> extra) {
  std::vector<BackReference> table = Table();
  for (const NameReference& reference : extra) {
    BackReference target{reference.group, reference.version, reference.kind, {}};
    for (const FieldSpec& spec : reference.referrers) {
      target.referrers.push_back({spec.group, spec.kind, spec.path});
    }
    table.push_back(std::move(target));
  }
  for (const BackReference& target : table) {
    for (size_t i = 0; i < resources.size(); ++i) {
      ResId id = resources[i].Id();
      for (const Referrer& referrer : target.referrers) {
        if (referrer.kind != id.kind || (!referrer.group.empty() && referrer.group != id.group)) {
          continue;
        }
        bool kind_matches = RoleRefKindMatches(resources[i].object.json(), referrer, target.kind);
        Resource snapshot = resources[i];
        Fixer fixer(resources, target, snapshot);
        FieldSpec spec{.path = referrer.path};
        Status status = VisitFieldSpec(resources[i].object.mutable_json(), spec,
                                       [&](json& node) { return fixer.Apply(node, kind_matches); });
        if (!status.ok()) return status.Wrap(kube::Describe(resources[i].object));
      }
    }
  }
  return Status();
}

}  // namespace converge::sources::kustomize
