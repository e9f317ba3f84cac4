// Job: the Failed and Complete conditions decide; a suspended Job is Suspended; anything else
// is still running.

#include "sync/health/kinds.h"

namespace converge::sync::health {

HealthStatus AssessJob(const kube::Object& object) {
  const nlohmann::json* failed = FindCondition(object, "Failed");
  if (failed != nullptr && kube::StringAt(*failed, {"status"}) == "True") {
    return {HealthCode::kDegraded, ConditionMessage(*failed)};
  }
  const nlohmann::json* complete = FindCondition(object, "Complete");
  if (complete != nullptr && kube::StringAt(*complete, {"status"}) == "True") {
    return {HealthCode::kHealthy, ConditionMessage(*complete)};
  }
  auto spec = object.json().find("spec");
  if (spec != object.json().end() && spec->is_object() && spec->value("suspend", false)) {
    return {HealthCode::kSuspended, "Job is suspended"};
  }
  return {HealthCode::kProgressing, "job is still running"};
}

}  // namespace converge::sync::health
