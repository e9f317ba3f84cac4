// Kinds without a built-in rule, the way kstatus reads them: an unobserved generation or
// Reconciling=True is in progress, Stalled=True has failed, Ready decides when present, and an
// object with none of these signals is taken as healthy (ConfigMaps, Secrets, RBAC...).

#include "sync/health/kinds.h"

namespace converge::sync::health {

HealthStatus AssessGeneric(const kube::Object& object) {
  if (GenerationPending(object)) {
    return {HealthCode::kProgressing, "Waiting for the generation to be observed"};
  }
  const nlohmann::json* stalled = FindCondition(object, "Stalled");
  if (stalled != nullptr && kube::StringAt(*stalled, {"status"}) == "True") {
    return {HealthCode::kDegraded, ConditionMessage(*stalled)};
  }
  const nlohmann::json* reconciling = FindCondition(object, "Reconciling");
  if (reconciling != nullptr && kube::StringAt(*reconciling, {"status"}) == "True") {
    return {HealthCode::kProgressing, ConditionMessage(*reconciling)};
  }
  const nlohmann::json* ready = FindCondition(object, "Ready");
  if (ready != nullptr) {
    std::string_view status = kube::StringAt(*ready, {"status"});
    if (status == "True") return {HealthCode::kHealthy, ConditionMessage(*ready)};
    return {HealthCode::kProgressing, ConditionMessage(*ready)};
  }
  return {HealthCode::kHealthy, ""};
}

}  // namespace converge::sync::health
