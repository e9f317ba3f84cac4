// ReplicaSet: a ReplicaFailure condition is Degraded; otherwise wait for available replicas.

#include <string>

#include "sync/health/kinds.h"

namespace converge::sync::health {

HealthStatus AssessReplicaSet(const kube::Object& object) {
  const nlohmann::json& json = object.json();
  if (GenerationPending(object)) {
    return {HealthCode::kProgressing,
            "Waiting for rollout to finish: observed replica set generation less than desired "
            "generation"};
  }
  const nlohmann::json* failure = FindCondition(object, "ReplicaFailure");
  if (failure != nullptr && kube::StringAt(*failure, {"status"}) == "True") {
    return {HealthCode::kDegraded, ConditionMessage(*failure)};
  }
  int64_t replicas = IntAt(json, {"spec", "replicas"}, 1);
  int64_t available = IntAt(json, {"status", "availableReplicas"});
  if (available < replicas) {
    return {HealthCode::kProgressing,
            "Waiting for rollout to finish: " + std::to_string(available) + " out of " +
                std::to_string(replicas) + " new replicas are available..."};
  }
  return {HealthCode::kHealthy, ""};
}

}  // namespace converge::sync::health
