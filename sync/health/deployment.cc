// Deployment: Argo CD's rollout rule (kubectl rollout status, plus paused and deadline).

#include <string>

#include "sync/health/kinds.h"

namespace converge::sync::health {

HealthStatus AssessDeployment(const kube::Object& object) {
  const nlohmann::json& json = object.json();
  auto spec = json.find("spec");
  if (spec != json.end() && spec->is_object() && spec->value("paused", false)) {
    return {HealthCode::kSuspended, "Deployment is paused"};
  }
  if (IntAt(json, {"metadata", "generation"}) > IntAt(json, {"status", "observedGeneration"})) {
    return {HealthCode::kProgressing,
            "Waiting for rollout to finish: observed deployment generation less than desired "
            "generation"};
  }
  const nlohmann::json* progressing = FindCondition(object, "Progressing");
  if (progressing != nullptr &&
      kube::StringAt(*progressing, {"reason"}) == "ProgressDeadlineExceeded") {
    return {HealthCode::kDegraded,
            "Deployment \"" + std::string(object.Name()) + "\" exceeded its progress deadline"};
  }
  int64_t replicas = IntAt(json, {"spec", "replicas"}, 1);
  int64_t total = IntAt(json, {"status", "replicas"});
  int64_t updated = IntAt(json, {"status", "updatedReplicas"});
  int64_t available = IntAt(json, {"status", "availableReplicas"});
  if (updated < replicas) {
    return {HealthCode::kProgressing, "Waiting for rollout to finish: " + std::to_string(updated) +
                                          " out of " + std::to_string(replicas) +
                                          " new replicas have been updated..."};
  }
  if (total > updated) {
    return {HealthCode::kProgressing,
            "Waiting for rollout to finish: " + std::to_string(total - updated) +
                " old replicas are pending termination..."};
  }
  if (available < updated) {
    return {HealthCode::kProgressing,
            "Waiting for rollout to finish: " + std::to_string(available) + " of " +
                std::to_string(updated) + " updated replicas are available..."};
  }
  return {HealthCode::kHealthy, ""};
}

}  // namespace converge::sync::health
