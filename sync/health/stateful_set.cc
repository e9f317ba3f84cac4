// StatefulSet: generation observed, pods ready, then the update strategy decides what "rolled
// out" means (a partition, OnDelete, or current == update revision).

#include <string>

#include "sync/health/kinds.h"

namespace converge::sync::health {

HealthStatus AssessStatefulSet(const kube::Object& object) {
  const nlohmann::json& json = object.json();
  int64_t observed = IntAt(json, {"status", "observedGeneration"});
  if (observed == 0 || IntAt(json, {"metadata", "generation"}) > observed) {
    return {HealthCode::kProgressing, "Waiting for statefulset spec update to be observed..."};
  }
  int64_t replicas = IntAt(json, {"spec", "replicas"}, 1);
  int64_t ready = IntAt(json, {"status", "readyReplicas"});
  if (ready < replicas) {
    return {HealthCode::kProgressing,
            "Waiting for " + std::to_string(replicas - ready) + " pods to be ready..."};
  }
  std::string_view strategy = kube::StringAt(json, {"spec", "updateStrategy", "type"});
  if (strategy == "OnDelete") {
    return {HealthCode::kHealthy, "statefulset has " + std::to_string(ready) + " ready pods"};
  }
  int64_t partition = IntAt(json, {"spec", "updateStrategy", "rollingUpdate", "partition"});
  int64_t updated = IntAt(json, {"status", "updatedReplicas"});
  if (partition > 0) {
    int64_t expected = replicas - partition;
    if (updated < expected) {
      return {HealthCode::kProgressing,
              "Waiting for partitioned roll out to finish: " + std::to_string(updated) +
                  " out of " + std::to_string(expected) + " new pods have been updated..."};
    }
    return {HealthCode::kHealthy, "partitioned roll out complete: " + std::to_string(updated) +
                                      " new pods have been updated..."};
  }
  std::string_view update = kube::StringAt(json, {"status", "updateRevision"});
  if (update != kube::StringAt(json, {"status", "currentRevision"})) {
    return {HealthCode::kProgressing, "waiting for statefulset rolling update to complete " +
                                          std::to_string(updated) + " pods at revision " +
                                          std::string(update) + "..."};
  }
  return {HealthCode::kHealthy, "statefulset rolling update complete " +
                                    std::to_string(IntAt(json, {"status", "currentReplicas"})) +
                                    " pods at revision " + std::string(update) + "..."};
}

}  // namespace converge::sync::health
