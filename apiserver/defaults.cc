#include "apiserver/defaults.h"

#include "apiserver/typemodel.h"
#include "kube/kube.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

// Sets `object[key]` to `value` unless it holds something already.
void Default(json& object, const char* key, json value) {
  if (!object.contains(key) || object[key].is_null()) object[key] = std::move(value);
}

json& Child(json& object, const char* key) {
  json& child = object[key];
  if (!child.is_object()) child = json::object();
  return child;
}

bool Has(const json& object, const char* key) {
  return object.is_object() && object.contains(key) && !object[key].is_null();
}

std::string PullPolicyFor(const std::string& image) {
  if (image.find('@') != std::string::npos) return "IfNotPresent";
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  bool tagged = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (!tagged || image.substr(colon + 1) == "latest") return "Always";
  return "IfNotPresent";
}

void DefaultProbe(json& container, const char* name) {
  if (!Has(container, name)) return;
  json& probe = container[name];
  Default(probe, "timeoutSeconds", 1);
  Default(probe, "periodSeconds", 10);
  Default(probe, "successThreshold", 1);
  Default(probe, "failureThreshold", 3);
  if (Has(probe, "httpGet")) {
    Default(probe["httpGet"], "path", "/");
    Default(probe["httpGet"], "scheme", "HTTP");
  }
}

void DefaultContainer(json& container) {
  if (!container.is_object()) return;
  Default(container, "imagePullPolicy", PullPolicyFor(container.value("image", "")));
  Default(container, "terminationMessagePath", "/dev/termination-log");
  Default(container, "terminationMessagePolicy", "File");
  if (Has(container, "ports") && container["ports"].is_array()) {
    for (json& port : container["ports"]) {
      if (port.is_object()) Default(port, "protocol", "TCP");
    }
  }
  for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    DefaultProbe(container, probe);
  }
  if (Has(container, "env") && container["env"].is_array()) {
    for (json& env : container["env"]) {
      if (Has(env, "valueFrom") && Has(env["valueFrom"], "fieldRef")) {
        Default(env["valueFrom"]["fieldRef"], "apiVersion", "v1");
      }
    }
  }
}

void DefaultVolume(json& volume) {
  if (!volume.is_object()) return;
  bool has_source = false;
  for (auto it = volume.begin(); it != volume.end(); ++it) {
    has_source = has_source || it.key() != "name";
  }
  if (!has_source) volume["emptyDir"] = json::object();
  for (const char* source : {"secret", "configMap", "downwardAPI", "projected"}) {
    if (Has(volume, source)) Default(volume[source], "defaultMode", 420);
  }
}

void DefaultPodSpec(json& spec, bool bare_pod) {
  Default(spec, "dnsPolicy", "ClusterFirst");
  Default(spec, "restartPolicy", "Always");
  Default(spec, "schedulerName", "default-scheduler");
  Default(spec, "securityContext", json::object());
  Default(spec, "terminationGracePeriodSeconds", 30);
  if (bare_pod) Default(spec, "enableServiceLinks", true);
  for (const char* list : {"containers", "initContainers"}) {
    if (Has(spec, list) && spec[list].is_array()) {
      for (json& container : spec[list]) DefaultContainer(container);
    }
  }
  if (Has(spec, "volumes") && spec["volumes"].is_array()) {
    for (json& volume : spec["volumes"]) DefaultVolume(volume);
  }
}

void DefaultTemplate(json& spec) {
  if (!Has(spec, "template")) return;
  DefaultPodSpec(Child(spec["template"], "spec"), false);
}

void DefaultDeployment(json& object) {
  json& spec = Child(object, "spec");
  Default(spec, "replicas", 1);
  json& strategy = Child(spec, "strategy");
  Default(strategy, "type", "RollingUpdate");
  if (strategy["type"] == "RollingUpdate") {
    json& rolling = Child(strategy, "rollingUpdate");
    Default(rolling, "maxUnavailable", "25%");
    Default(rolling, "maxSurge", "25%");
  }
  Default(spec, "revisionHistoryLimit", 10);
  Default(spec, "progressDeadlineSeconds", 600);
  DefaultTemplate(spec);
}

void DefaultStatefulSet(json& object) {
  json& spec = Child(object, "spec");
  Default(spec, "replicas", 1);
  Default(spec, "podManagementPolicy", "OrderedReady");
  json& strategy = Child(spec, "updateStrategy");
  Default(strategy, "type", "RollingUpdate");
  if (strategy["type"] == "RollingUpdate")
    Default(Child(strategy, "rollingUpdate"), "partition", 0);
  Default(spec, "revisionHistoryLimit", 10);
  json& retention = Child(spec, "persistentVolumeClaimRetentionPolicy");
  Default(retention, "whenDeleted", "Retain");
  Default(retention, "whenScaled", "Retain");
  if (Has(spec, "volumeClaimTemplates") && spec["volumeClaimTemplates"].is_array()) {
    for (json& claim : spec["volumeClaimTemplates"]) {
      if (!claim.is_object()) continue;
      Default(Child(claim, "spec"), "volumeMode", "Filesystem");
      Default(Child(claim, "status"), "phase", "Pending");
      Default(claim, "apiVersion", "v1");
      Default(claim, "kind", "PersistentVolumeClaim");
    }
  }
  DefaultTemplate(spec);
}

void DefaultDaemonSet(json& object) {
  json& spec = Child(object, "spec");
  json& strategy = Child(spec, "updateStrategy");
  Default(strategy, "type", "RollingUpdate");
  if (strategy["type"] == "RollingUpdate") {
    json& rolling = Child(strategy, "rollingUpdate");
    Default(rolling, "maxUnavailable", 1);
    Default(rolling, "maxSurge", 0);
  }
  Default(spec, "revisionHistoryLimit", 10);
  DefaultTemplate(spec);
}

void DefaultJobSpec(json& spec, const std::string& uid, const std::string& name) {
  Default(spec, "backoffLimit", 6);
  Default(spec, "completionMode", "NonIndexed");
  Default(spec, "completions", 1);
  Default(spec, "parallelism", 1);
  Default(spec, "suspend", false);
  Default(spec, "podReplacementPolicy", "TerminatingOrFailed");
  if (!uid.empty() && !spec.value("manualSelector", false)) {
    json labels = {{"batch.kubernetes.io/controller-uid", uid},
                   {"batch.kubernetes.io/job-name", name},
                   {"controller-uid", uid},
                   {"job-name", name}};
    Default(spec, "selector", json{{"matchLabels", {{"batch.kubernetes.io/controller-uid", uid}}}});
    json& template_labels = Child(Child(Child(spec, "template"), "metadata"), "labels");
    for (auto it = labels.begin(); it != labels.end(); ++it)
      Default(template_labels, it.key().c_str(), it.value());
  }
  if (Has(spec, "template")) DefaultPodSpec(Child(spec["template"], "spec"), false);
}

void DefaultService(json& object) {
  json& spec = Child(object, "spec");
  Default(spec, "type", "ClusterIP");
  Default(spec, "sessionAffinity", "None");
  std::string type = spec.value("type", "ClusterIP");
  if (type != "ExternalName") {
    Default(spec, "internalTrafficPolicy", "Cluster");
    Default(spec, "ipFamilies", json::array({"IPv4"}));
    Default(spec, "ipFamilyPolicy", "SingleStack");
  }
  if (type == "NodePort" || type == "LoadBalancer")
    Default(spec, "externalTrafficPolicy", "Cluster");
  if (type == "LoadBalancer") Default(spec, "allocateLoadBalancerNodePorts", true);
  if (Has(spec, "ports") && spec["ports"].is_array()) {
    for (json& port : spec["ports"]) {
      if (!port.is_object()) continue;
      Default(port, "protocol", "TCP");
      if (!Has(port, "targetPort") && Has(port, "port")) port["targetPort"] = port["port"];
    }
  }
}

void CanonicalizeAt(const typemodel::TypeRef& type, json& value) {
  if (value.is_null()) return;
  switch (type.kind) {
    case typemodel::TypeRef::Kind::kStruct: {
      if (!value.is_object()) return;
      const typemodel::StructType* model = typemodel::Find(type.name);
      if (model == nullptr) return;
      for (const typemodel::Field& field : model->fields) {
        auto it = value.find(field.name);
        if (it != value.end()) CanonicalizeAt(field.type, *it);
      }
      return;
    }
    case typemodel::TypeRef::Kind::kArray:
      if (value.is_array()) {
        for (json& item : value) CanonicalizeAt(*type.element, item);
      }
      return;
    case typemodel::TypeRef::Kind::kMap:
      if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it)
          CanonicalizeAt(*type.element, it.value());
      }
      return;
    case typemodel::TypeRef::Kind::kScalar:
      if (type.name != "quantity") return;
      std::string text = value.is_string() ? value.get<std::string>() : kube::EncodeJson(value);
      if (std::optional<std::string> canonical = kube::CanonicalQuantity(text)) value = *canonical;
      return;
  }
}

}  // namespace

void ApplyDefaults(const ResourceType& type, json& object) {
  if (type.custom() || !object.is_object()) return;
  const std::string& r = type.resource;
  const json& metadata = object.value("metadata", json::object());
  if (r == "deployments") {
    DefaultDeployment(object);
  } else if (r == "statefulsets") {
    DefaultStatefulSet(object);
  } else if (r == "daemonsets") {
    DefaultDaemonSet(object);
  } else if (r == "replicasets") {
    Default(Child(object, "spec"), "replicas", 1);
    DefaultTemplate(object["spec"]);
  } else if (r == "pods") {
    DefaultPodSpec(Child(object, "spec"), true);
  } else if (r == "jobs") {
    DefaultJobSpec(Child(object, "spec"), metadata.value("uid", ""), metadata.value("name", ""));
  } else if (r == "cronjobs") {
    json& spec = Child(object, "spec");
    Default(spec, "concurrencyPolicy", "Allow");
    Default(spec, "suspend", false);
    Default(spec, "successfulJobsHistoryLimit", 3);
    Default(spec, "failedJobsHistoryLimit", 1);
    if (Has(spec, "jobTemplate")) DefaultJobSpec(Child(spec["jobTemplate"], "spec"), "", "");
  } else if (r == "services") {
    DefaultService(object);
  } else if (r == "secrets") {
    Default(object, "type", "Opaque");
  } else if (r == "persistentvolumeclaims") {
    Default(Child(object, "spec"), "volumeMode", "Filesystem");
    Default(Child(object, "status"), "phase", "Pending");
  } else if (r == "persistentvolumes") {
    json& spec = Child(object, "spec");
    Default(spec, "volumeMode", "Filesystem");
    Default(spec, "persistentVolumeReclaimPolicy", "Retain");
    Default(Child(object, "status"), "phase", "Pending");
  }
  CanonicalizeQuantities(type, object);
}

void CanonicalizeQuantities(const ResourceType& type, json& object) {
  if (type.custom() || type.model.empty()) return;
  typemodel::TypeRef root;
  root.kind = typemodel::TypeRef::Kind::kStruct;
  root.name = type.model;
  CanonicalizeAt(root, object);
}

}  // namespace converge::apiserver
