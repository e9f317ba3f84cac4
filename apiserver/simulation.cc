// Simulated workloads (Controllers::Reconcile): the status a healthy cluster would report,
// reached after a delay, and Deployments that roll ReplicaSets by pod-template hash.

#include <algorithm>

#include "apiserver/controllers.h"
#include "kube/kube.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

constexpr const char* kSimulate = "converge.dev/simulate";
constexpr const char* kRevision = "deployment.kubernetes.io/revision";

struct Target {
  const ResourceType* type = nullptr;
  std::string ns;
  std::string name;
};

std::string Mode(const json& object) {
  return std::string(kube::StringAt(object, {"metadata", "annotations", kSimulate}));
}

int64_t Replicas(const json& object) {
  const json& spec = object.value("spec", json::object());
  return spec.contains("replicas") && spec["replicas"].is_number_integer()
             ? spec["replicas"].get<int64_t>()
             : 1;
}

std::string Hash(const json& pod_template) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : kube::EncodeJson(pod_template)) {
    hash ^= c;
    hash *= 16777619u;
  }
  static constexpr const char* kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (char digit : std::to_string(hash))
    out.push_back(kAlphabet[static_cast<unsigned char>(digit) % 27]);
  return out;
}

json Condition(const std::string& type, bool status, const std::string& reason,
               const std::string& message) {
  std::string now = NowRfc3339();
  return {{"type", type},       {"status", status ? "True" : "False"}, {"reason", reason},
          {"message", message}, {"lastTransitionTime", now},           {"lastUpdateTime", now}};
}

// Conditions keep their times while their status and reason stay, so a repeated reconcile
// writes nothing.
void KeepTimes(json& status, const json& old_status) {
  if (!status.contains("conditions")) return;
  for (json& condition : status["conditions"]) {
    for (const json& previous : old_status.value("conditions", json::array())) {
      // value(), not operator[]: a missing field must stay missing, not become null.
      if (previous.value("type", "") == condition.value("type", "") &&
          previous.value("status", "") == condition.value("status", "") &&
          previous.value("reason", "") == condition.value("reason", "")) {
        for (const char* field : {"lastTransitionTime", "lastUpdateTime"}) {
          if (previous.contains(field)) condition[field] = previous[field];
        }
      }
    }
  }
  for (const char* field : {"startTime", "completionTime"}) {
    if (status.contains(field) && old_status.contains(field)) status[field] = old_status[field];
  }
  // A container that stays running, waiting or terminated keeps the times of that state.
  const json& old_containers = old_status.value("containerStatuses", json::array());
  if (!status.contains("containerStatuses") ||
      status["containerStatuses"].size() != old_containers.size()) {
    return;
  }
  for (size_t i = 0; i < old_containers.size(); ++i) {
    json& state = status["containerStatuses"][i]["state"];
    const json& old_state = old_containers[i].value("state", json::object());
    if (state.is_object() && old_state.is_object() && state.size() == 1 && old_state.size() == 1 &&
        state.begin().key() == old_state.begin().key()) {
      for (const char* field : {"startedAt", "finishedAt"}) {
        const json& before = old_state.begin().value();
        if (state.begin()->contains(field) && before.contains(field)) {
          (*state.begin())[field] = before[field];
        }
      }
    }
  }
}

// A Pod's conditions as the kubelet writes them: no message, and no reason when it has none.
json PodConditions(bool ready, const std::string& initialized_reason,
                   const std::string& ready_reason) {
  json conditions = json::array({Condition("Initialized", true, initialized_reason, ""),
                                 Condition("Ready", ready, ready_reason, ""),
                                 Condition("ContainersReady", ready, ready_reason, ""),
                                 Condition("PodScheduled", true, "", "")});
  for (json& condition : conditions) {
    condition.erase("lastUpdateTime");
    condition.erase("message");
    if (condition["reason"] == "") condition.erase("reason");
  }
  return conditions;
}

// A Pod whose containers keep running: Ready, or crash-looping when simulated to fail.
json RunningPodStatus(const json& object, const std::string& mode, const std::string& now) {
  json containers = json::array();
  for (const json& container : object["spec"].value("containers", json::array())) {
    json state = mode.empty() ? json{{"running", {{"startedAt", now}}}}
                              : json{{"waiting",
                                      {{"reason", "CrashLoopBackOff"},
                                       {"message", "back-off restarting failed container"}}}};
    containers.push_back({{"name", container.value("name", "")},
                          {"image", container.value("image", "")},
                          {"imageID", ""},
                          {"ready", mode.empty()},
                          {"started", mode.empty()},
                          {"restartCount", mode.empty() ? 0 : 3},
                          {"state", state}});
  }
  bool ok = mode.empty();
  json status = {{"phase", "Running"},
                 {"podIP", "10.244.0.10"},
                 {"podIPs", json::array({{{"ip", "10.244.0.10"}}})},
                 {"hostIP", "127.0.0.1"},
                 {"startTime", now},
                 {"qosClass", "BestEffort"},
                 {"containerStatuses", containers},
                 {"conditions", PodConditions(ok, "", ok ? "" : "ContainersNotReady")}};
  return status;
}

// A Pod whose containers ran once and exited, as the kubelet reports it: Succeeded with exit
// code 0, or (simulated to fail) Failed with exit code 1.
json FinishedPodStatus(const json& object, bool failed, const std::string& now) {
  json containers = json::array();
  for (const json& container : object["spec"].value("containers", json::array())) {
    containers.push_back({{"name", container.value("name", "")},
                          {"image", container.value("image", "")},
                          {"imageID", ""},
                          {"ready", false},
                          {"started", false},
                          {"restartCount", 0},
                          {"state",
                           {{"terminated",
                             {{"exitCode", failed ? 1 : 0},
                              {"reason", failed ? "Error" : "Completed"},
                              {"startedAt", now},
                              {"finishedAt", now}}}}}});
  }
  std::string reason = failed ? "PodFailed" : "PodCompleted";
  return {{"phase", failed ? "Failed" : "Succeeded"},
          {"hostIP", "127.0.0.1"},
          {"startTime", now},
          {"qosClass", "BestEffort"},
          {"containerStatuses", containers},
          {"conditions", PodConditions(false, reason, reason)}};
}

// Containers of a Pod with restartPolicy Never or OnFailure run to completion, like a Job's
// (hang keeps them running). A failure ends the Pod only under Never: OnFailure restarts the
// container, as the kubelet does.
json PodStatus(const json& object, const std::string& mode, const std::string& now) {
  std::string_view restart = kube::StringAt(object, {"spec", "restartPolicy"});
  bool runs_once = restart == "Never" || restart == "OnFailure";
  if (!runs_once || mode == "hang" || (mode == "fail" && restart == "OnFailure")) {
    return RunningPodStatus(object, mode, now);
  }
  return FinishedPodStatus(object, mode == "fail", now);
}

}  // namespace

void Controllers::Reconcile(const std::string& key) {
  std::shared_ptr<const Catalog> catalog = registry_.Snapshot();
  Result<std::optional<StoredObject>> stored = store_.Get(key);
  if (!stored.ok() || !stored->has_value()) return;
  const json& object = (*stored)->object;
  if (!MetadataString(object, "deletionTimestamp").empty()) return;
  std::vector<std::string> parts = SplitPath(key);
  if (parts.size() < 4) return;
  std::string group = parts[1] == "core" ? "" : parts[1];
  const ResourceType* type = catalog->StorageType(group, parts[2]);
  if (type == nullptr || type->custom()) return;
  std::string ns = MetadataString(object, "namespace");
  std::string name = MetadataString(object, "name");
  const std::string& r = type->resource;
  std::string mode = Mode(object);
  const json old_status = object.value("status", json::object());
  json status;
  std::string now = NowRfc3339();
  int64_t generation = object["metadata"].value("generation", int64_t{1});

  if (r == "deployments") {
    int64_t desired = Replicas(object);
    // The current ReplicaSet: named after the pod-template hash, owned by the Deployment.
    const ResourceType* sets = catalog->Find("apps", "v1", "replicasets");
    std::string hash = Hash(object["spec"].value("template", json::object()));
    std::string rs_name = name + "-" + hash;
    int64_t revision = 0;
    std::string uid = MetadataString(object, "uid");
    Result<ListPage> owned = store_.List(sets->KeyPrefix() + ns + "/", "", 0);
    bool exists = false;
    if (owned.ok()) {
      for (const StoredObject& rs : owned->items) {
        bool mine = false;
        bool controlled = false;
        for (const json& reference :
             rs.object["metadata"].value("ownerReferences", json::array())) {
          mine = mine || reference.value("uid", "") == uid;
          controlled = controlled || reference.value("controller", false);
        }
        // An orphan with this Deployment's template is adopted, as the real controller does.
        if (!mine && !controlled && MetadataString(rs.object, "name") == rs_name) {
          json adopt = {{"metadata",
                         {{"ownerReferences", json::array({{{"apiVersion", "apps/v1"},
                                                            {"kind", "Deployment"},
                                                            {"name", name},
                                                            {"uid", uid},
                                                            {"controller", true},
                                                            {"blockOwnerDeletion", true}}})}}}};
          Send("PATCH", ResourcePath(*sets, ns, rs_name), adopt, "application/merge-patch+json");
          mine = true;
        }
        if (!mine) continue;
        std::string rs_revision(kube::StringAt(rs.object, {"metadata", "annotations", kRevision}));
        revision =
            std::max<int64_t>(revision, rs_revision.empty() ? 0 : std::atoll(rs_revision.c_str()));
        if (MetadataString(rs.object, "name") == rs_name) {
          exists = true;
          if (Replicas(rs.object) != desired) {
            Send("PATCH", ResourcePath(*sets, ns, MetadataString(rs.object, "name")),
                 json{{"spec", {{"replicas", desired}}}}, "application/merge-patch+json");
          }
        } else if (Replicas(rs.object) != 0) {
          Send("PATCH", ResourcePath(*sets, ns, MetadataString(rs.object, "name")),
               json{{"spec", {{"replicas", 0}}}}, "application/merge-patch+json");
        }
      }
    }
    if (!exists) {
      json pod_template = object["spec"].value("template", json::object());
      pod_template["metadata"]["labels"]["pod-template-hash"] = hash;
      json selector = object["spec"].value("selector", json::object());
      selector["matchLabels"]["pod-template-hash"] = hash;
      json labels = pod_template["metadata"]["labels"];
      json rs = {
          {"apiVersion", "apps/v1"},
          {"kind", "ReplicaSet"},
          {"metadata",
           {{"name", rs_name},
            {"namespace", ns},
            {"labels", labels},
            {"annotations",
             {{kRevision, std::to_string(revision + 1)},
              {"deployment.kubernetes.io/desired-replicas", std::to_string(desired)}}},
            {"ownerReferences", json::array({{{"apiVersion", "apps/v1"},
                                              {"kind", "Deployment"},
                                              {"name", name},
                                              {"uid", uid},
                                              {"controller", true},
                                              {"blockOwnerDeletion", true}}})}}},
          {"spec", {{"replicas", desired}, {"selector", selector}, {"template", pod_template}}}};
      if (!mode.empty()) rs["metadata"]["annotations"][kSimulate] = mode;
      Send("POST", ResourcePath(*sets, ns, ""), rs);
    }
    int64_t ready = mode.empty() ? desired : 0;
    status = {{"observedGeneration", generation},
              {"replicas", desired},
              {"updatedReplicas", desired},
              {"readyReplicas", ready},
              {"availableReplicas", ready}};
    if (ready < desired) status["unavailableReplicas"] = desired - ready;
    json conditions = json::array();
    if (mode.empty()) {
      conditions.push_back(Condition("Available", true, "MinimumReplicasAvailable",
                                     "Deployment has minimum availability."));
      conditions.push_back(
          Condition("Progressing", true, "NewReplicaSetAvailable",
                    "ReplicaSet \"" + rs_name + "\" has successfully progressed."));
    } else {
      conditions.push_back(Condition("Available", false, "MinimumReplicasUnavailable",
                                     "Deployment does not have minimum availability."));
      conditions.push_back(
          mode == "fail" ? Condition("Progressing", false, "ProgressDeadlineExceeded",
                                     "ReplicaSet \"" + rs_name + "\" has timed out progressing.")
                         : Condition("Progressing", true, "ReplicaSetUpdated",
                                     "ReplicaSet \"" + rs_name + "\" is progressing."));
    }
    status["conditions"] = std::move(conditions);
  } else if (r == "replicasets") {
    int64_t desired = Replicas(object);
    int64_t ready = mode.empty() ? desired : 0;
    status = {{"replicas", desired},
              {"fullyLabeledReplicas", desired},
              {"readyReplicas", ready},
              {"availableReplicas", ready},
              {"observedGeneration", generation}};
  } else if (r == "statefulsets") {
    int64_t desired = Replicas(object);
    int64_t ready = mode.empty() ? desired : 0;
    std::string revision = name + "-" + Hash(object["spec"].value("template", json::object()));
    status = {{"observedGeneration", generation},
              {"replicas", desired},
              {"readyReplicas", ready},
              {"currentReplicas", desired},
              {"updatedReplicas", desired},
              {"availableReplicas", ready},
              {"currentRevision", revision},
              {"updateRevision", revision},
              {"collisionCount", 0}};
  } else if (r == "daemonsets") {
    int64_t ready = mode.empty() ? 1 : 0;
    status = {{"observedGeneration", generation},
              {"desiredNumberScheduled", 1},
              {"currentNumberScheduled", 1},
              {"numberMisscheduled", 0},
              {"numberReady", ready},
              {"updatedNumberScheduled", 1},
              {"numberAvailable", ready}};
    if (ready == 0) status["numberUnavailable"] = 1;
  } else if (r == "jobs") {
    int64_t completions = object["spec"].value("completions", int64_t{1});
    if (mode == "hang") {
      status = {{"active", 1}, {"ready", 0}, {"startTime", now}};
    } else if (mode == "fail") {
      status = {
          {"failed", 1},
          {"startTime", now},
          {"conditions", json::array({Condition("FailureTarget", true, "BackoffLimitExceeded",
                                                "Job has reached the specified backoff limit"),
                                      Condition("Failed", true, "BackoffLimitExceeded",
                                                "Job has reached the specified backoff limit")})}};
    } else {
      status = {
          {"succeeded", completions},
          {"ready", 0},
          {"terminating", 0},
          {"startTime", now},
          {"completionTime", now},
          {"conditions", json::array({Condition("SuccessCriteriaMet", true, "CompletionsReached",
                                                "Reached expected number of succeeded pods"),
                                      Condition("Complete", true, "CompletionsReached",
                                                "Reached expected number of succeeded pods")})}};
    }
    for (json& condition : status.value("conditions", json::array()))
      condition.erase("lastUpdateTime");
    if (status.contains("conditions")) {
      for (json& condition : status["conditions"]) {
        condition.erase("lastUpdateTime");
        condition["lastProbeTime"] = now;
      }
    }
  } else if (r == "pods") {
    status = PodStatus(object, mode, now);
  } else if (r == "persistentvolumeclaims") {
    json spec = object.value("spec", json::object());
    json capacity = spec.value("resources", json::object()).value("requests", json::object());
    status = {{"phase", mode.empty() ? "Bound" : "Pending"}};
    if (mode.empty()) {
      status["capacity"] = capacity;
      status["accessModes"] = spec.value("accessModes", json::array());
    }
  } else if (r == "services") {
    if (object["spec"].value("type", "") != "LoadBalancer" || !mode.empty()) return;
    std::string ip =
        "127.0.0." + std::to_string(2 + std::hash<std::string>{}(ns + "/" + name) % 250);
    status = {{"loadBalancer", {{"ingress", json::array({{{"ip", ip}, {"ipMode", "VIP"}}})}}}};
  } else if (r == "ingresses") {
    if (!mode.empty()) return;
    status = {{"loadBalancer", {{"ingress", json::array({{{"ip", "127.0.0.1"}}})}}}};
  } else {
    return;
  }
  KeepTimes(status, old_status);
  if (status == old_status) return;
  json updated = object;
  updated["status"] = status;
  Send("PUT", ResourcePath(*type, ns, name, type->status_subresource ? "status" : ""), updated);
}

}  // namespace converge::apiserver
