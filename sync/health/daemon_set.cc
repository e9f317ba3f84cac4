// DaemonSet: generation observed, then every scheduled node updated and available.

#include <string>

#include "sync/health/kinds.h"

namespace converge::sync::health {

HealthStatus AssessDaemonSet(const kube::Object& object) {
  const nlohmann::json& json = object.json();
  if (IntAt(json, {"metadata", "generation"}) > IntAt(json, {"status", "observedGeneration"})) {
    return {HealthCode::kProgressing,
            "Waiting for rollout to finish: observed daemon set generation less than desired "
            "generation"};
  }
  int64_t desired = IntAt(json, {"status", "desiredNumberScheduled"});
  if (kube::StringAt(json, {"spec", "updateStrategy", "type"}) == "OnDelete") {
    return {HealthCode::kHealthy, "daemon set " + std::to_string(desired) + " pods are ready"};
  }
  int64_t updated = IntAt(json, {"status", "updatedNumberScheduled"});
  if (updated < desired) {
    return {HealthCode::kProgressing, "Waiting for daemon set \"" + std::string(object.Name()) +
                                          "\" rollout to finish: " + std::to_string(updated) +
                                          " out of " + std::to_string(desired) +
                                          " new pods have been updated..."};
  }
  int64_t available = IntAt(json, {"status", "numberAvailable"});
  if (available < desired) {
    return {HealthCode::kProgressing, "Waiting for daemon set \"" + std::string(object.Name()) +
                                          "\" rollout to finish: " + std::to_string(available) +
                                          " of " + std::to_string(desired) +
                                          " updated pods are available..."};
  }
  return {HealthCode::kHealthy, ""};
}

}  // namespace converge::sync::health
