// CustomResourceDefinition: names accepted and established, and a structural schema.

#include "sync/health/kinds.h"

namespace converge::sync::health {

HealthStatus AssessCustomResourceDefinition(const kube::Object& object) {
  const nlohmann::json* names = FindCondition(object, "NamesAccepted");
  if (names != nullptr && kube::StringAt(*names, {"status"}) == "False") {
    return {HealthCode::kDegraded, ConditionMessage(*names)};
  }
  const nlohmann::json* schema = FindCondition(object, "NonStructuralSchema");
  if (schema != nullptr && kube::StringAt(*schema, {"status"}) == "True") {
    return {HealthCode::kDegraded, ConditionMessage(*schema)};
  }
  const nlohmann::json* established = FindCondition(object, "Established");
  if (established != nullptr && kube::StringAt(*established, {"status"}) == "True") {
    return {HealthCode::kHealthy, ConditionMessage(*established)};
  }
  return {HealthCode::kProgressing, "Waiting for the definition to be established"};
}

}  // namespace converge::sync::health
