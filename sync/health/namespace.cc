// Namespace: Active, or Terminating while its content is deleted.

#include <string>

#include "sync/health/kinds.h"

namespace converge::sync::health {

HealthStatus AssessNamespace(const kube::Object& object) {
  std::string_view phase = kube::StringAt(object.json(), {"status", "phase"});
  if (phase == "Active" || phase.empty()) return {HealthCode::kHealthy, ""};
  if (phase == "Terminating") return {HealthCode::kProgressing, "Namespace is terminating"};
  return {HealthCode::kUnknown, "Unknown namespace phase \"" + std::string(phase) + "\""};
}

}  // namespace converge::sync::health
