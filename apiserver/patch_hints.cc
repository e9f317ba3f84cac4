#include "apiserver/patch_hints.h"

#include <map>

namespace converge::apiserver {
namespace {

// Patch strategies and list types of the built-in API (k8s.io/api struct tags), keyed by
// "ModelClass.field". Lists not named here are atomic and replaced by patches.

ListSemantics MapList(std::vector<std::string> keys, std::string smp_key, bool retain = false) {
  ListSemantics list;
  list.kind = ListKind::kMap;
  list.keys = std::move(keys);
  list.smp_merge = true;
  list.smp_key = std::move(smp_key);
  list.retain_keys = retain;
  return list;
}

ListSemantics SetList() {
  ListSemantics list;
  list.kind = ListKind::kSet;
  list.smp_merge = true;
  return list;
}

const std::map<std::string, PatchHint>& Hints() {
  static const std::map<std::string, PatchHint> kHints = [] {
    std::map<std::string, PatchHint> hints;
    auto list = [&](const std::string& key, ListSemantics semantics) {
      hints[key].list = std::move(semantics);
    };
    for (const char* spec : {"V1PodSpec"}) {
      std::string s = spec;
      list(s + ".containers", MapList({"name"}, "name"));
      list(s + ".initContainers", MapList({"name"}, "name"));
      list(s + ".ephemeralContainers", MapList({"name"}, "name"));
      list(s + ".volumes", MapList({"name"}, "name", true));
      list(s + ".imagePullSecrets", MapList({"name"}, "name"));
      list(s + ".schedulingGates", MapList({"name"}, "name"));
      list(s + ".resourceClaims", MapList({"name"}, "name", true));
      list(s + ".hostAliases", MapList({"ip"}, "ip"));
      list(s + ".topologySpreadConstraints",
           MapList({"topologyKey", "whenUnsatisfiable"}, "topologyKey"));
      list(s + ".readinessGates", ListSemantics{});
    }
    for (const char* container : {"V1Container", "V1EphemeralContainer"}) {
      std::string c = container;
      list(c + ".ports", MapList({"containerPort", "protocol"}, "containerPort"));
      list(c + ".env", MapList({"name"}, "name"));
      list(c + ".volumeMounts", MapList({"mountPath"}, "mountPath"));
      list(c + ".volumeDevices", MapList({"devicePath"}, "devicePath"));
      list(c + ".resizePolicy", ListSemantics{});
    }
    list("V1ServiceSpec.ports", MapList({"port", "protocol"}, "port"));
    list("V1ObjectMeta.finalizers", SetList());
    list("V1ObjectMeta.ownerReferences", MapList({"uid"}, "uid"));
    list("V1ServiceAccount.secrets", MapList({"name"}, "name"));
    list("V1PodStatus.podIPs", MapList({"ip"}, "ip"));
    list("V1PodStatus.hostIPs", MapList({"ip"}, "ip"));
    for (const char* status :
         {"V1PodStatus", "V1NodeStatus", "V1DeploymentStatus", "V1StatefulSetStatus",
          "V1DaemonSetStatus", "V1ReplicaSetStatus", "V1JobStatus", "V1PersistentVolumeClaimStatus",
          "V1NamespaceStatus", "V1PodDisruptionBudgetStatus", "V2HorizontalPodAutoscalerStatus",
          "V1CustomResourceDefinitionStatus", "V1ServiceStatus", "V1CronJobStatus"}) {
      list(std::string(status) + ".conditions", MapList({"type"}, "type"));
    }
    list("V1NodeStatus.addresses", MapList({"type"}, "type"));
    hints["V1DeploymentSpec.strategy"].retain_keys_struct = true;
    return hints;
  }();
  return kHints;
}

}  // namespace

const PatchHint* FindPatchHint(const std::string& owner, const std::string& field) {
  const auto& hints = Hints();
  auto it = hints.find(owner + "." + field);
  return it == hints.end() ? nullptr : &it->second;
}

}  // namespace converge::apiserver
