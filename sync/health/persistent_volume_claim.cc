// PersistentVolumeClaim: its phase.

#include <string>

#include "sync/health/kinds.h"

namespace converge::sync::health {

HealthStatus AssessPersistentVolumeClaim(const kube::Object& object) {
  std::string_view phase = kube::StringAt(object.json(), {"status", "phase"});
  if (phase == "Bound") return {HealthCode::kHealthy, ""};
  if (phase == "Pending") return {HealthCode::kProgressing, "Waiting for the claim to be bound"};
  if (phase == "Lost") return {HealthCode::kDegraded, "The claim lost its volume"};
  return {HealthCode::kUnknown, "Unknown claim phase \"" + std::string(phase) + "\""};
}

}  // namespace converge::sync::health
